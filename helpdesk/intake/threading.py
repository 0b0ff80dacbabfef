"""Which ticket an inbound message belongs to.

In order: a message we stored or sent that it names (In-Reply-To, References, WhatsApp
context); a stored message that names *it* (its reply arrived first); one of our signed
Message-IDs; the folio in the subject, only when the sender is the ticket's contact or a
participant (so nobody can write into someone else's ticket); for chat channels, the
contact's open conversation on that channel. Merged tickets lead to their survivor.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.contacts.models import Contact
from helpdesk.db import cached
from helpdesk.intake.inbound import Inbound
from helpdesk.tickets.message_ids import ticket_id_from
from helpdesk.tickets.models import Message, MessageReference, Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES, Channel, Direction

CHAT_CHANNELS = (Channel.WHATSAPP,)

# Transaction caches a group's prefetch fills (``helpdesk.intake.group``) and ``receive``
# keeps current: external id -> the message stored with it (None: none), and a
# Message-ID -> the ticket of the first message that named it.
MESSAGES, EARLY_REPLIES = "intake.messages", "intake.early_replies"


def remember(session: Session, message: Message, ticket: Ticket, named: list[str]) -> None:
    """Tell the group's caches about a message just stored (later ones may thread on it)."""
    messages, early = cached(session, MESSAGES), cached(session, EARLY_REPLIES)
    if messages is not None and message.external_id:
        messages[message.external_id] = message
    if early is not None:
        for message_id in named:
            if early.get(message_id) is None:
                early[message_id] = ticket


def find_ticket(
    session: Session, inbound: Inbound, contact: Contact, *, secret: str
) -> Ticket | None:
    ticket = (
        _by_references(session, inbound, secret)
        or _by_early_reply(session, inbound)
        or _by_folio(session, inbound, contact)
        or _by_open_chat(session, inbound, contact)
    )
    return survivor(session, ticket) if ticket else None


def survivor(session: Session, ticket: Ticket) -> Ticket:
    """Follow merges to the ticket that lives on."""
    seen = {ticket.id}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = session.get(Ticket, ticket.merged_into_id) or ticket
    return ticket


def outgoing_message(session: Session, message_id: str | None) -> Message | None:
    if not message_id:
        return None
    return session.scalar(
        select(Message).where(
            Message.external_id == message_id.strip("<> "), Message.direction == Direction.OUT.value
        )
    )


def named_ids(inbound: Inbound) -> list[str]:
    """Newest first: In-Reply-To / context, then References right to left."""
    hints = inbound.hints
    named = [hints.context_id, hints.in_reply_to, *reversed(hints.references)]
    return list(dict.fromkeys(n for n in named if n))


def _by_references(session: Session, inbound: Inbound, secret: str) -> Ticket | None:
    named = named_ids(inbound)
    if not named:
        return None
    known = cached(session, MESSAGES)
    if known is not None and all(n in known for n in named):
        stored = {n: known[n].ticket for n in named if known[n] is not None}
    else:
        stored = {
            m.external_id: m.ticket
            for m in session.scalars(select(Message).where(Message.external_id.in_(named)))
        }
    for message_id in named:
        if message_id in stored:
            return stored[message_id]
        ticket_id = ticket_id_from(message_id, secret=secret)
        if ticket_id is not None and (ticket := session.get(Ticket, ticket_id)):
            return ticket
    return None


def _by_early_reply(session: Session, inbound: Inbound) -> Ticket | None:
    """The parent arriving after its reply joins the ticket the reply opened."""
    known = cached(session, EARLY_REPLIES)
    if known is not None and inbound.external_id in known:
        return known[inbound.external_id]
    return session.scalar(
        select(Ticket)
        .join(Message, Message.ticket_id == Ticket.id)
        .join(MessageReference, MessageReference.message_id == Message.id)
        .where(MessageReference.referenced == inbound.external_id)
        .order_by(Message.id)
        .limit(1)
    )


def _by_folio(session: Session, inbound: Inbound, contact: Contact) -> Ticket | None:
    folio = inbound.hints.folio
    if not folio:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.folio == folio))
    if ticket is None:
        return None
    if ticket.contact_id == contact.id or contact in ticket.participants:
        return ticket
    return None


def _by_open_chat(session: Session, inbound: Inbound, contact: Contact) -> Ticket | None:
    if inbound.channel not in CHAT_CHANNELS:
        return None
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.contact_id == contact.id,
            Ticket.channel == inbound.channel,
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Ticket.last_activity_at.desc())
        .limit(1)
    )
