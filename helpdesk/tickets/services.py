"""Writes on tickets. Each writes its AuditEvent in the same transaction.

Services flush but never commit: the request or job that called them commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.accounts.models import CollectionAccount
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.contacts import queries as contact_queries
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.queues.models import Queue
from helpdesk.text import MAX_SUBJECT, clean_line, summary_line
from helpdesk.tickets import queries
from helpdesk.tickets.folio import next_folio
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.vocabulary import (
    Channel,
    Delivery,
    Direction,
    Priority,
    Status,
    TicketType,
)
from helpdesk.users.models import User


class NewMessageArrived(Exception):
    """The debtor wrote after the page the agent replied from was rendered: the reply is
    not stored, so the agent reads the message first or confirms sending anyway."""

    def __init__(self, newest_id: int) -> None:
        super().__init__(f"message {newest_id} arrived after the page was rendered")
        self.newest_id = newest_id


def require_seen(session: Session, ticket: Ticket, seen_message_id: int | None) -> None:
    """Refuse a reply written on top of a message from the debtor the agent has not seen.
    ``seen_message_id``: the newest one the agent's page showed (0: none); ``None``: not
    asked (callers without a page, such as the API)."""
    if seen_message_id is None:
        return
    newest = queries.latest_inbound_id(session, ticket.id)
    if newest > seen_message_id:
        raise NewMessageArrived(newest)


class TicketError(ValueError):
    """A change a ticket cannot take; the message says why."""


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    is_inline: bool = False


def open_ticket(
    session: Session,
    *,
    contact: Contact,
    subject: str,
    text: str,
    channel: str,
    type: str = TicketType.INFORMATION,
    priority: str = Priority.NORMAL,
    queue: Queue | None = None,
    html: str | None = None,
    new_text: str | None = None,
    external_id: str | None = None,
    files: Sequence[IncomingFile] = (),
    attachments: Path | None = None,
    accounts: Iterable[CollectionAccount] = (),
    related: Ticket | None = None,
    folio_prefix: str,
    actor: Actor,
    now: datetime,
) -> Ticket:
    """Open a ticket with the debtor's first message (``related``: the closed ticket it
    follows up; ``folio_prefix``: the app's ``FOLIO_PREFIX``; ``attachments``: the file
    store's directory, ``storage.root_for(DATA_DIR)``, needed with ``files``)."""
    ticket = Ticket(
        folio=next_folio(session, prefix=folio_prefix, now=now),
        subject=clean_line(subject, MAX_SUBJECT) or summary_line(text) or "—",
        type=TicketType(type).value,
        status=Status.NEW.value,
        priority=Priority(priority).value,
        channel=Channel(channel).value,
        queue=queue,
        contact=contact,
        related_ticket_id=related.id if related else None,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        # Set, not left unset: an unset collection would be loaded by the first reader.
        accounts=list(accounts),
        participants=[],
        messages=[],
    )
    session.add(ticket)
    record(
        session,
        actor,
        "ticket.opened",
        ticket,
        now=now,
        ticket=ticket,
        after={
            "folio": ticket.folio,
            "type": ticket.type,
            "channel": ticket.channel,
            "queue": queue.name if queue else None,
            "priority": ticket.priority,
        },
    )
    _add_message(
        session,
        ticket,
        direction=Direction.IN,
        channel=ticket.channel,
        text=text,
        html=html,
        new_text=new_text,
        external_id=external_id,
        files=files,
        attachments=attachments,
        contact=contact,
        now=now,
    )
    events.ticket_opened.send(ticket, session=session, actor=actor, now=now)
    return ticket


def append_inbound(
    session: Session,
    ticket: Ticket,
    *,
    text: str,
    channel: str,
    contact: Contact,
    html: str | None = None,
    new_text: str | None = None,
    external_id: str | None = None,
    files: Sequence[IncomingFile] = (),
    attachments: Path | None = None,
    reopen: bool = True,
    now: datetime,
) -> Message:
    """Add the debtor's new message; a ticket waiting on them or resolved opens again
    (``reopen=False``: not for an answer the ticket asked for, such as a rating).

    ``new_text``: the part that is not quoted history, when the channel could tell.
    """
    message = _add_message(
        session,
        ticket,
        direction=Direction.IN,
        channel=channel,
        text=text,
        html=html,
        new_text=new_text,
        external_id=external_id,
        files=files,
        attachments=attachments,
        contact=contact,
        now=now,
    )
    actor = Actor.for_contact(contact)
    record(
        session,
        actor,
        "message.received",
        message,
        now=now,
        ticket=ticket,
        after={"channel": channel},
    )
    if reopen and ticket.status in (Status.PENDING, Status.RESOLVED, Status.CLOSED):
        set_status(session, ticket, Status.OPEN, actor=actor, now=now)
    events.message_received.send(ticket, session=session, message=message, now=now)
    return message


def reply(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    html: str | None = None,
    files: Sequence[IncomingFile] = (),
    attachments: Path | None = None,
    now: datetime,
) -> Message:
    """Store an agent's reply as ``queued``; the channel's send job delivers it. A merged
    or closed ticket takes none: the agent answers on the surviving ticket, or reopens."""
    if ticket.status == Status.MERGED:
        raise TicketError(_l("This ticket was merged into another one: answer there."))
    if ticket.status == Status.CLOSED:
        raise TicketError(_l("This ticket is closed: reopen it (Status) to answer."))
    _require_text(text)
    message = _add_message(
        session,
        ticket,
        direction=Direction.OUT,
        channel=ticket.channel,
        text=text,
        html=html,
        files=files,
        attachments=attachments,
        author=author,
        now=now,
        delivery=Delivery.QUEUED,
    )
    record(session, Actor.for_user(author), "message.replied", message, now=now, ticket=ticket)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.status == Status.NEW:
        set_status(session, ticket, Status.OPEN, actor=Actor.for_user(author), now=now)
    events.reply_queued.send(ticket, session=session, message=message, now=now)
    return message


def add_acknowledgement(
    session: Session,
    ticket: Ticket,
    *,
    channel: str,
    text: str,
    actor: Actor,
    now: datetime,
    action: str = "message.acknowledged",
) -> Message:
    """The automatic message that tells a debtor their case was received (or, by its
    audit ``action``, another automatic one: a rating request), queued for the channel's
    send job (which the caller queues)."""
    message = Message(
        ticket=ticket,
        direction=Direction.OUT.value,
        channel=channel,
        text=text,
        is_automatic=True,
        delivery_status=Delivery.QUEUED.value,
        created_at=now,
    )
    session.add(message)
    if message.id is None:  # the send job needs it (a mail group has reserved one already)
        session.flush()
    record(session, actor, action, message, now=now, ticket=ticket)
    return message


def add_note(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    files: Sequence[IncomingFile] = (),
    attachments: Path | None = None,
    now: datetime,
) -> Message:
    """An internal note, with files if any (``attachments``: the file store's directory,
    needed when there are files): staff only, never sent to the debtor."""
    _require_text(text)
    message = _add_message(
        session,
        ticket,
        direction=Direction.NOTE,
        channel=ticket.channel,
        text=text,
        files=files,
        attachments=attachments,
        author=author,
        now=now,
    )
    record(session, Actor.for_user(author), "message.noted", message, now=now, ticket=ticket)
    return message


def add_system_note(
    session: Session, ticket: Ticket, *, text: str, actor: Actor, now: datetime
) -> Message:
    """An internal note no person wrote (the inbox shows it as "System"): what a channel
    knows that only agents may read, such as a web form's account number that matched no
    account of the contact. Never sent to the debtor."""
    _require_text(text)
    message = _add_message(
        session, ticket, direction=Direction.NOTE, channel=ticket.channel, text=text, now=now
    )
    record(session, actor, "message.noted", message, now=now, ticket=ticket)
    return message


def assign(
    session: Session, ticket: Ticket, assignee: User | None, *, actor: Actor, now: datetime
) -> None:
    if assignee is not None and not assignee.is_active:
        raise TicketError(_l("This person is inactive: assign the ticket to someone else."))
    before = ticket.assignee.email if ticket.assignee else None
    after = assignee.email if assignee else None
    if before == after:
        return
    ticket.assignee = assignee
    _touch(ticket, now)
    record(
        session,
        actor,
        "ticket.assigned",
        ticket,
        now=now,
        ticket=ticket,
        before={"assignee": before},
        after={"assignee": after},
    )


def set_status(
    session: Session, ticket: Ticket, status: str, *, actor: Actor, now: datetime
) -> None:
    new = Status(status)
    old = Status(ticket.status)
    if new == old:
        return
    if old == Status.MERGED:
        raise TicketError(_l("This ticket was merged into another one: change that one instead."))
    ticket.status = new.value
    if new == Status.RESOLVED:
        ticket.resolved_at = now
    elif new == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = ticket.closed_at = None
    _touch(ticket, now)
    record(
        session,
        actor,
        "ticket.status_changed",
        ticket,
        now=now,
        ticket=ticket,
        before={"status": old.value},
        after={"status": new.value},
    )
    events.ticket_status_changed.send(
        ticket, session=session, before=old.value, after=new.value, actor=actor, now=now
    )


def set_priority(
    session: Session, ticket: Ticket, priority: str, *, actor: Actor, now: datetime
) -> None:
    _set_field(session, ticket, "priority", Priority(priority).value, actor=actor, now=now)


def set_type(session: Session, ticket: Ticket, type: str, *, actor: Actor, now: datetime) -> None:
    _set_field(session, ticket, "type", TicketType(type).value, actor=actor, now=now)


def set_queue(
    session: Session, ticket: Ticket, queue: Queue | None, *, actor: Actor, now: datetime
) -> None:
    before = ticket.queue.name if ticket.queue else None
    if ticket.queue is queue:
        return
    ticket.queue = queue
    _touch(ticket, now)
    record(
        session,
        actor,
        "ticket.queue_changed",
        ticket,
        now=now,
        ticket=ticket,
        before={"queue": before},
        after={"queue": queue.name if queue else None},
    )
    events.ticket_changed.send(
        ticket,
        session=session,
        field="queue",
        before=before,
        after=queue.name if queue else None,
        actor=actor,
        now=now,
    )


def merge(session: Session, source: Ticket, into: Ticket, *, actor: Actor, now: datetime) -> None:
    """Fold ``source`` into ``into``: its messages move over (one conversation in time
    order), its debtor and people in copy join the survivor, and ``source`` becomes
    "merged", pointing at it (mail threaded to the old ticket follows the pointer).
    Accounts and their holds are the caller's (``helpdesk.inbox.services``)."""
    if source.id == into.id:
        raise TicketError(_l("A ticket cannot be merged into itself."))
    if Status.MERGED.value in (source.status, into.status):
        raise TicketError(_l("This ticket was already merged into another one."))
    for message in list(source.messages):
        message.ticket = into
    for person in [source.contact, *source.participants]:
        if person.id != into.contact_id and person not in into.participants:
            into.participants.append(person)
    source.merged_into_id = into.id
    set_status(session, source, Status.MERGED.value, actor=actor, now=now)
    into.last_activity_at = max(into.last_activity_at, source.last_activity_at)
    _touch(into, now)
    record(
        session,
        actor,
        "ticket.merged",
        source,
        now=now,
        ticket=source,
        after={"into": into.folio},
    )
    record(
        session,
        actor,
        "ticket.merged_in",
        into,
        now=now,
        ticket=into,
        after={"from": source.folio},
    )


def mark_delivery_failed(
    session: Session,
    message: Message,
    reason: str,
    *,
    now: datetime,
    recipient: str | None = None,
    is_permanent: bool = True,
) -> None:
    """An outgoing message did not arrive; a permanent failure flags the address."""
    before = message.delivery_status
    message.delivery_status = Delivery.FAILED.value
    message.delivery_error = reason[:500]
    message.delivery_due_at = None  # nothing more will be tried
    record(
        session,
        Actor.system("delivery"),
        "message.delivery_failed",
        message,
        now=now,
        ticket_id=message.ticket_id,
        before={"delivery": before},
        after={"delivery": Delivery.FAILED.value, "reason": reason[:500]},
    )
    if is_permanent and recipient:
        flag_bounced_address(session, recipient, reason, now=now)


def flag_bounced_address(session: Session, address: str, reason: str, *, now: datetime) -> None:
    identity = contact_queries.identity(session, IdentityKind.EMAIL, address.strip().lower())
    if identity is None or identity.bounced_at is not None:
        return
    identity.bounced_at, identity.bounce_reason = now, reason[:500]
    record(
        session,
        Actor.system("delivery"),
        "contact.address_bounced",
        identity.contact,
        now=now,
        after={"address": identity.value, "reason": reason[:500]},
    )


def _set_field(
    session: Session, ticket: Ticket, field: str, value: str, *, actor: Actor, now: datetime
) -> None:
    old = getattr(ticket, field)
    if old == value:
        return
    setattr(ticket, field, value)
    _touch(ticket, now)
    record(
        session,
        actor,
        f"ticket.{field}_changed",
        ticket,
        now=now,
        ticket=ticket,
        before={field: old},
        after={field: value},
    )
    events.ticket_changed.send(
        ticket, session=session, field=field, before=old, after=value, actor=actor, now=now
    )


def _add_message(
    session: Session,
    ticket: Ticket,
    *,
    direction: Direction,
    channel: str,
    text: str,
    now: datetime,
    html: str | None = None,
    new_text: str | None = None,
    external_id: str | None = None,
    files: Sequence[IncomingFile] = (),
    attachments: Path | None = None,
    author: User | None = None,
    contact: Contact | None = None,
    delivery: Delivery | None = None,
) -> Message:
    message = Message(
        ticket=ticket,
        direction=direction.value,
        channel=Channel(channel).value,
        text=text,
        new_text=new_text,
        html=html,
        external_id=external_id,
        author_user=author,
        author_contact=contact,
        delivery_status=delivery.value if delivery else None,
        # Set although it is the default: rows with every column set are INSERTed together.
        is_automatic=False,
        created_at=now,
    )
    session.add(message)
    if files and attachments is None:
        raise ValueError("files are kept in the attachment store: pass its directory")
    for file in files:
        message.attachments.append(_store(file, attachments, now))
    if direction != Direction.NOTE:
        ticket.last_activity_at = now
    _touch(ticket, now)
    if message.id is None:  # callers use the id; a group's messages have theirs already
        session.flush()
    return message


def _store(file: IncomingFile, attachments: Path, now: datetime) -> Attachment:
    return Attachment(
        filename=storage.safe_filename(file.filename),
        content_type=(file.content_type or "application/octet-stream")[:120],
        size=len(file.data),
        sha256=storage.save(file.data, attachments),
        content_id=(file.content_id or "").strip("<> ")[:255] or None,
        is_inline=file.is_inline,
        created_at=now,
    )


def _touch(ticket: Ticket, now: datetime) -> None:
    ticket.updated_at = now


def _require_text(text: str) -> None:
    if not text.strip():
        raise TicketError(_l("Write something before sending."))
