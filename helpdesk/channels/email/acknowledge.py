"""The automatic acknowledgement a debtor gets when their email (or the public web form,
with an email address) opens a ticket.

It carries the folio, speaks the contact's language, is marked ``Auto-Submitted:
auto-replied`` (compose does that for automatic messages) and is capped per sender so
two auto-responders can never bounce mail at each other forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor
from helpdesk.branding.queries import brand, signature
from helpdesk.channels.email.outbound import queue_send
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import add_acknowledgement
from helpdesk.tickets.vocabulary import Channel, Direction

# Tickets whose contact is told by email that their case was opened (with the acuse):
# those opened by an email, and those opened on the web form by someone who gave one.
ACKNOWLEDGED_CHANNELS = (Channel.EMAIL.value, Channel.WEBFORM.value)


def acknowledge(
    session: Session,
    ticket: Ticket,
    *,
    settings: EmailSettings,
    now: datetime,
    recent: dict[int, int] | None = None,
) -> Message | None:
    """Queue the acknowledgement, unless the sender cannot or should not get one.

    ``recent``: acknowledgements per contact id inside the cap's window, when the caller
    counted them for a whole group (kept up to date here); otherwise they are counted.
    """
    address = ticket.contact.email
    if ticket.channel not in ACKNOWLEDGED_CHANNELS or not address or _bounced(ticket.contact):
        return None
    contact_id = ticket.contact.id
    if recent is None or contact_id not in recent:
        counted = recent_acknowledgements(session, [contact_id], settings=settings, now=now)
        recent = {contact_id: counted[contact_id]}
    if recent[contact_id] >= settings.ack_limit:
        return None
    recent[contact_id] += 1
    with force_locale(ticket.contact.language or settings.default_locale):
        text = _(
            "Hello %(name)s,\n\nWe received your message and opened case %(folio)s. "
            "Please keep this number: you will need it to follow your case. We will "
            "answer you as soon as possible.\n\nTo add information, reply to this email "
            "without changing its subject.",
            name=ticket.contact.name or address,
            folio=ticket.folio,
        )
        text += signature(brand(session, default_name=settings.agency))
    message = add_acknowledgement(
        session, ticket, channel=Channel.EMAIL.value, text=text, actor=Actor.system("mail"),
        now=now,
    )  # fmt: skip
    queue_send(session, message)
    return message


def recent_acknowledgements(
    session: Session, contact_ids: Iterable[int], *, settings: EmailSettings, now: datetime
) -> dict[int, int]:
    """Acknowledgements sent to each contact inside the cap's window (one query)."""
    counts = dict.fromkeys(contact_ids, 0)
    rows = session.execute(
        select(Ticket.contact_id, func.count(Message.id))
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(
            Ticket.contact_id.in_(list(counts)),
            Message.is_automatic,
            Message.direction == Direction.OUT.value,
            Message.created_at > now - settings.ack_window,
        )
        .group_by(Ticket.contact_id)
    )
    counts.update({contact_id: count for contact_id, count in rows})
    return counts


def _bounced(contact: Contact) -> bool:
    """The contact's address (its first email identity, loaded already) bounced for good."""
    first = next((i for i in contact.identities if i.kind == IdentityKind.EMAIL), None)
    return first is not None and first.bounced_at is not None
