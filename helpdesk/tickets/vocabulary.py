"""The fixed words of a ticket: statuses, priorities, channels, types, directions.

Slugs are stable (the API, the CLI and rules use them); labels are translated.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the debtor
    ON_HOLD = "on_hold"  # waiting on a third party (creditor, bureau)
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
# Statuses an agent may set by hand; "merged" comes only from merging.
SETTABLE_STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    WEBFORM = "webform"
    PORTAL = "portal"
    API = "api"
    PHONE = "phone"


class TicketType(StrEnum):
    DISPUTE = "dispute"
    COMPLAINT = "complaint"
    PAYMENT_PLAN = "payment_plan"
    DATA_RIGHTS = "data_rights"
    INFORMATION = "information"
    NOT_MY_DEBT = "not_my_debt"
    ALREADY_PAID = "already_paid"
    WRONG_AMOUNT = "wrong_amount"
    DOCUMENTS_REQUEST = "documents_request"
    IDENTITY_THEFT = "identity_theft"
    STOP_CONTACT = "stop_contact"
    LEGAL = "legal"  # bankruptcy, deceased debtor, represented by a lawyer


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Delivery(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one sender (helpdesk.delivery): never sent twice
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"  # a voice message or video the debtor played (WhatsApp)
    FAILED = "failed"


LABELS = {
    Status.NEW: _l("New"),
    Status.OPEN: _l("Open"),
    Status.PENDING: _l("Waiting on debtor"),
    Status.ON_HOLD: _l("On hold"),
    Status.RESOLVED: _l("Resolved"),
    Status.CLOSED: _l("Closed"),
    Status.MERGED: _l("Merged"),
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.URGENT: _l("Urgent"),
    Channel.EMAIL: _l("Email"),
    Channel.WHATSAPP: _l("WhatsApp"),
    Channel.WEBFORM: _l("Web form"),
    Channel.PORTAL: _l("Portal"),
    Channel.API: _l("API"),
    Channel.PHONE: _l("Phone"),
    TicketType.DISPUTE: _l("Dispute (aclaración)"),
    TicketType.COMPLAINT: _l("Complaint"),
    TicketType.PAYMENT_PLAN: _l("Payment plan"),
    TicketType.DATA_RIGHTS: _l("Data rights (ARCO)"),
    TicketType.INFORMATION: _l("Information"),
    TicketType.NOT_MY_DEBT: _l("Not my debt"),
    TicketType.ALREADY_PAID: _l("Already paid"),
    TicketType.WRONG_AMOUNT: _l("Wrong amount"),
    TicketType.DOCUMENTS_REQUEST: _l("Documents request"),
    TicketType.IDENTITY_THEFT: _l("Identity theft"),
    TicketType.STOP_CONTACT: _l("Stop contact"),
    TicketType.LEGAL: _l("Legal (bankruptcy, deceased, lawyer)"),
    Direction.IN: _l("Debtor"),
    Direction.OUT: _l("Reply"),
    Direction.NOTE: _l("Internal note"),
    Delivery.QUEUED: _l("Queued"),
    Delivery.SENDING: _l("Sending"),
    Delivery.SENT: _l("Sent"),
    Delivery.DELIVERED: _l("Delivered"),
    Delivery.READ: _l("Read"),
    Delivery.PLAYED: _l("Played"),
    Delivery.FAILED: _l("Not delivered"),
}


# Slug -> its label, the first vocabulary that knows the slug winning (no slug is in two).
_BY_SLUG = {
    member.value: LABELS[member]
    for enum in reversed((Status, Priority, Channel, TicketType, Direction, Delivery))
    for member in enum
    if member in LABELS
}


def label(value: str | StrEnum) -> str:
    """The translated label of a slug, or the slug itself when it has none."""
    found = _BY_SLUG.get(str(value))
    return str(found) if found is not None else str(value)
