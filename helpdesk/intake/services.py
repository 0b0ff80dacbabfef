"""One door for every channel: ``receive(Inbound) -> IntakeResult``.

dedupe (external id) → bounce? → identify contact → find the thread (references, then
the folio token from a known sender, then an open chat) → store as automatic, append or
open → remember references and participants. No channel creates tickets by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact
from helpdesk.contacts.services import find_or_create
from helpdesk.db import cached
from helpdesk.intake import threading
from helpdesk.intake.inbound import Inbound, InboundFile, with_fitted_ids
from helpdesk.intake.text import clean_inbound
from helpdesk.queues.models import Queue
from helpdesk.routing.services import route_new_ticket
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, MessageReference, Ticket
from helpdesk.tickets.services import IncomingFile
from helpdesk.tickets.vocabulary import Direction, Status


@dataclass(frozen=True)
class IntakeResult:
    action: str  # created | appended | duplicate | auto_reply | bounce
    ticket: Ticket | None = None
    message: Message | None = None
    reason: str | None = None


@dataclass(frozen=True)
class IntakeSettings:
    """What intake takes from the app's settings; the channel's boundary (view, job, CLI)
    builds it once with ``from_config``."""

    secret_key: str  # checks the signed Message-IDs and folio tokens a reply names
    folio_prefix: str  # of the tickets it opens
    attachments: Path  # the file store's directory (under DATA_DIR)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IntakeSettings:
        return cls(
            secret_key=config["SECRET_KEY"],
            folio_prefix=config["FOLIO_PREFIX"],
            attachments=storage.root_for(config["DATA_DIR"]),
        )


def receive(
    session: Session,
    inbound: Inbound,
    *,
    settings: IntakeSettings,
    queue: Queue | None = None,
    now: datetime,
) -> IntakeResult:
    """Turn one normalised inbound message into a ticket change. Flushes, never commits."""
    inbound = with_fitted_ids(clean_inbound(inbound))
    existing = _stored(session, inbound)
    if existing is not None:
        return IntakeResult("duplicate", existing.ticket, existing, "already received")
    if inbound.bounce is not None:
        return _bounce(session, inbound, now=now)
    contact = _contact(session, inbound, now=now)
    ticket = threading.find_ticket(session, inbound, contact, secret=settings.secret_key)
    if inbound.is_auto_reply:
        return _automatic(session, inbound, ticket, contact, now=now)
    related = None
    if ticket is not None and ticket.status == Status.CLOSED and not _reopens(ticket):
        ticket, related = None, ticket
    if ticket is not None:
        message = tickets.append_inbound(
            session,
            ticket,
            text=inbound.text,
            channel=inbound.channel,
            contact=contact,
            html=inbound.html,
            new_text=inbound.new_text,
            external_id=inbound.external_id,
            files=_files(inbound),
            attachments=settings.attachments,
            now=now,
        )
        result = IntakeResult("appended", ticket, message)
    else:
        ticket = tickets.open_ticket(
            session,
            contact=contact,
            subject=inbound.subject,
            text=inbound.text,
            channel=inbound.channel,
            html=inbound.html,
            new_text=inbound.new_text,
            external_id=inbound.external_id,
            files=_files(inbound),
            attachments=settings.attachments,
            queue=queue or _queue_of(related),
            related=related,
            accounts=_accounts(session, inbound),
            **({"type": inbound.ticket_type} if inbound.ticket_type else {}),
            folio_prefix=settings.folio_prefix,
            actor=Actor.for_contact(contact),
            now=now,
        )
        message = ticket.messages[0]
        route_new_ticket(session, ticket, inbound, now=now)
        result = IntakeResult("created", ticket, message)
    _remember(session, inbound, message, ticket, now=now)
    return result


def _contact(session: Session, inbound: Inbound, *, now: datetime) -> Contact:
    """The contact the channel already identified, or the one its address belongs to."""
    if inbound.contact_id is not None:
        contact = session.get(Contact, inbound.contact_id)
        if contact is not None:
            return contact
    return find_or_create(
        session,
        kind=inbound.sender.kind,
        value=inbound.sender.value,
        display_name=inbound.sender.display_name,
        actor=Actor.system(f"intake:{inbound.channel}"),
        now=now,
    )


def _accounts(session: Session, inbound: Inbound) -> list[CollectionAccount]:
    if not inbound.account_ids:
        return []
    return list(session.scalars(
        select(CollectionAccount).where(CollectionAccount.id.in_(inbound.account_ids))
    ))


def _stored(session: Session, inbound: Inbound) -> Message | None:
    known = cached(session, threading.MESSAGES)
    if known is not None and inbound.external_id in known:
        message = known[inbound.external_id]
        if message is None or message.channel == inbound.channel:
            return message
    return session.scalar(
        select(Message).where(
            Message.channel == inbound.channel, Message.external_id == inbound.external_id
        )
    )


def _remember(
    session: Session, inbound: Inbound, message: Message, ticket: Ticket, *, now: datetime
) -> None:
    """Keep what later messages thread on, and who else is in the conversation."""
    if inbound.skipped:
        message.skipped_files = [
            {"filename": p.filename, "content_type": p.content_type, "size": p.size,
             "reason": p.reason}
            for p in inbound.skipped
        ]
    named = (*inbound.hints.references, inbound.hints.in_reply_to, inbound.hints.context_id)
    refs = list(dict.fromkeys(r for r in named if r))
    session.add_all(
        MessageReference(message=message, referenced=ref, position=position)
        for position, ref in enumerate(refs)
    )
    threading.remember(session, message, ticket, refs)
    for person in inbound.participants:
        participant = find_or_create(
            session,
            kind=person.kind,
            value=person.value,
            display_name=person.display_name,
            actor=Actor.system(f"intake:{inbound.channel}"),
            now=now,
        )
        if participant is not ticket.contact and participant not in ticket.participants:
            ticket.participants.append(participant)


def _automatic(
    session: Session, inbound: Inbound, ticket: Ticket | None, contact: Contact, *, now: datetime
) -> IntakeResult:
    """Out-of-office and auto-replies: kept on their ticket, never open or reopen one."""
    if ticket is None:
        return IntakeResult("auto_reply", None, None, "automatic reply to no known ticket")
    message = Message(
        ticket=ticket,
        direction=Direction.IN.value,
        channel=inbound.channel,
        text=inbound.text,
        html=inbound.html,
        external_id=inbound.external_id,
        author_contact=contact,
        is_automatic=True,
        created_at=now,
    )
    session.add(message)
    threading.remember(session, message, ticket, [])
    record(
        session,
        Actor.for_contact(contact),
        "message.auto_reply_received",
        message,
        now=now,
        ticket=ticket,
    )
    return IntakeResult("auto_reply", ticket, message, "automatic reply")


def _bounce(session: Session, inbound: Inbound, *, now: datetime) -> IntakeResult:
    """A delivery failure: marks our outgoing message failed and flags the address."""
    bounce = inbound.bounce
    assert bounce is not None
    original = threading.outgoing_message(session, bounce.original_message_id)
    if original is None:
        return IntakeResult("bounce", None, None, "bounce for a message we do not know")
    if bounce.action == "failed":
        tickets.mark_delivery_failed(
            session,
            original,
            bounce.diagnostic,
            now=now,
            recipient=bounce.recipient,
            is_permanent=bounce.is_permanent,
        )
    return IntakeResult("bounce", original.ticket, original, bounce.diagnostic)


def _reopens(ticket: Ticket) -> bool:
    """A message to a closed ticket reopens it, unless its queue opens a linked new one."""
    return ticket.queue is None or ticket.queue.closed_reply_policy == "reopen"


def _queue_of(ticket: Ticket | None) -> Queue | None:
    return ticket.queue if ticket else None


def _files(inbound: Inbound) -> list[IncomingFile]:
    return [_file(f) for f in inbound.files]


def _file(file: InboundFile) -> IncomingFile:
    return IncomingFile(
        file.filename,
        file.content_type,
        file.data,
        content_id=file.content_id,
        is_inline=file.is_inline,
    )
