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


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Delivery(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
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
    Direction.IN: _l("Debtor"),
    Direction.OUT: _l("Reply"),
    Direction.NOTE: _l("Internal note"),
    Delivery.QUEUED: _l("Queued"),
    Delivery.SENT: _l("Sent"),
    Delivery.DELIVERED: _l("Delivered"),
    Delivery.READ: _l("Read"),
    Delivery.FAILED: _l("Not delivered"),
}


def label(value: str | StrEnum) -> str:
    """The translated label of a slug, or the slug itself when it has none."""
    for enum in (Status, Priority, Channel, TicketType, Direction, Delivery):
        try:
            return str(LABELS[enum(value)])
        except (ValueError, KeyError):
            continue
    return str(value)
