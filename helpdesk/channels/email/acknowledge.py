"""The automatic acknowledgement a debtor gets when their email opens a ticket.

It carries the folio, speaks the contact's language, is marked ``Auto-Submitted:
auto-replied`` (compose does that for automatic messages) and is capped per sender so
two auto-responders can never bounce mail at each other forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.channels.email.outbound import queue_send
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import Channel, Delivery, Direction


def acknowledge(session: Session, ticket: Ticket, *, now: datetime) -> Message | None:
    """Queue the acknowledgement, unless the sender cannot or should not get one."""
    address = ticket.contact.email
    if ticket.channel != Channel.EMAIL or not address or _bounced(ticket.contact):
        return None
    if _recent_acknowledgements(session, ticket.contact_id, now=now) >= _limit()[0]:
        return None
    with force_locale(ticket.contact.language or current_app.config["DEFAULT_LOCALE"]):
        text = _(
            "Hello %(name)s,\n\nWe received your message and opened case %(folio)s. "
            "Please keep this number: you will need it to follow your case. We will "
            "answer you as soon as possible.\n\nTo add information, reply to this email "
            "without changing its subject.",
            name=ticket.contact.name or address,
            folio=ticket.folio,
        )
    message = Message(
        ticket=ticket,
        direction=Direction.OUT.value,
        channel=Channel.EMAIL.value,
        text=text,
        is_automatic=True,
        delivery_status=Delivery.QUEUED.value,
        created_at=now,
    )
    session.add(message)
    session.flush()
    record(
        session, Actor.system("mail"), "message.acknowledged", message, now=now, ticket=ticket
    )
    queue_send(session, message)
    return message


def _limit() -> tuple[int, int]:
    return current_app.config["ACK_LIMIT"]


def _recent_acknowledgements(session: Session, contact_id: int, *, now: datetime) -> int:
    window = timedelta(seconds=_limit()[1])
    return (
        session.scalar(
            select(func.count(Message.id))
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(
                Ticket.contact_id == contact_id,
                Message.is_automatic,
                Message.direction == Direction.OUT.value,
                Message.created_at > now - window,
            )
        )
        or 0
    )


def _bounced(contact: Contact) -> bool:
    """The contact's address (its first email identity, loaded already) bounced for good."""
    first = next((i for i in contact.identities if i.kind == IdentityKind.EMAIL), None)
    return first is not None and first.bounced_at is not None
