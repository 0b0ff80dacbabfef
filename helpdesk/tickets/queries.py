"""Reads on tickets: the inbox list, one ticket with its conversation, JSON shapes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.audit.models import AuditEvent
from helpdesk.contacts.models import Contact
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.vocabulary import Direction, Status


def ticket_by_folio(session: Session, folio: str) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.folio == folio.strip().upper())
        .options(
            selectinload(Ticket.contact).selectinload(Contact.identities),
            selectinload(Ticket.queue),
            selectinload(Ticket.assignee),
            selectinload(Ticket.accounts),
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author_user),
        )
    )


def folio_of(session: Session, ticket_id: int) -> str | None:
    return session.scalar(select(Ticket.folio).where(Ticket.id == ticket_id))


def ticket_timeline(session: Session, ticket: Ticket) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.ticket_id == ticket.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The JSON shape of a ticket, as scripts and support see it (CLI, later the API)."""
    return {
        "folio": ticket.folio,
        "subject": ticket.subject,
        "type": ticket.type,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "queue": ticket.queue.name if ticket.queue else None,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "contact": {
            "name": ticket.contact.name,
            "email": ticket.contact.email,
            "phone": ticket.contact.phone,
        },
        "accounts": [
            {
                "number": a.number,
                "creditor": a.creditor,
                "balance": str(a.balance),
                "currency": a.currency,
            }
            for a in ticket.accounts
        ],
        "created_at": ticket.created_at.isoformat(),
        "last_activity_at": ticket.last_activity_at.isoformat(),
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    detail = ticket_summary(ticket)
    detail["messages"] = [
        {
            "direction": m.direction,
            "channel": m.channel,
            "author": m.author_user.email if m.author_user else None,
            "text": m.text,
            "delivery_status": m.delivery_status,
            "created_at": m.created_at.isoformat(),
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in m.attachments
            ],
        }
        for m in ticket.messages
    ]
    return detail


def recent_tickets(session: Session, *, status: str | None, limit: int) -> list[Ticket]:
    """Newest first, for the CLI."""
    conditions = [Ticket.status == Status(status).value] if status else []
    return list(
        session.scalars(
            select(Ticket)
            .where(*conditions)
            .options(
                selectinload(Ticket.contact).selectinload(Contact.identities),
                selectinload(Ticket.queue),
                selectinload(Ticket.assignee),
                selectinload(Ticket.accounts),
            )
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
    )


def attachment_by_id(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def tickets_of_account(session: Session, account: Any) -> list[Ticket]:
    """The tickets linked to a collection account, newest first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.accounts.contains(account))
            .order_by(Ticket.created_at.desc())
        )
    )


# The debtor's messages an agent must have seen before replying: auto-replies we received
# (an out-of-office) change nothing the agent would write, so they do not count.
_FROM_THE_DEBTOR = (Message.direction == Direction.IN.value, Message.is_automatic.is_(False))


def newest_inbound_id(messages: Iterable[Message]) -> int:
    """The id of the newest message from the debtor among ``messages`` (0: none), for a
    page to say which one it showed (ids only grow)."""
    return max(
        (m.id for m in messages if m.direction == Direction.IN.value and not m.is_automatic),
        default=0,
    )


def latest_inbound_id(session: Session, ticket_id: int) -> int:
    """The same, read from the database now: has the debtor written since?"""
    found = session.scalar(
        select(func.max(Message.id)).where(Message.ticket_id == ticket_id, *_FROM_THE_DEBTOR)
    )
    return found or 0


def inbound_watermark(session: Session, folio: str) -> tuple[int, int] | None:
    """A ticket's id and ``latest_inbound_id`` by folio in one small query (no messages
    loaded): what the ticket page's heartbeat asks every few seconds."""
    row = session.execute(
        select(Ticket.id, func.max(Message.id))
        .outerjoin(Message, and_(Message.ticket_id == Ticket.id, *_FROM_THE_DEBTOR))
        .where(Ticket.folio == folio.strip().upper())
        .group_by(Ticket.id)
    ).first()
    return None if row is None else (row[0], row[1] or 0)
