"""Reads for the queue administration screens: a queue with what feeds it and what
waits in it, across channels, SLA and tickets (so it sits above them all)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from helpdesk.queues.models import Queue
from helpdesk.sla.models import SlaPolicy
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES
from helpdesk.users.models import Role, User, user_queues


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    members: int
    open_tickets: int
    mailboxes: list[str]
    numbers: list[str]


def queue_rows(session: Session) -> list[QueueRow]:
    """Every queue, active first, with its member count, open tickets and channels."""
    queues = session.scalars(
        select(Queue).order_by(Queue.archived_at.is_not(None), Queue.name)
    ).all()
    members = dict(
        session.execute(
            select(user_queues.c.queue_id, func.count()).group_by(user_queues.c.queue_id)
        ).all()
    )
    open_counts = dict(
        session.execute(
            select(Ticket.queue_id, func.count(Ticket.id))
            .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(Ticket.queue_id)
        ).all()
    )
    mailboxes: dict[int, list[str]] = {}
    for queue_id, name in session.execute(
        select(Mailbox.queue_id, Mailbox.email_address).order_by(Mailbox.email_address)
    ):
        mailboxes.setdefault(queue_id, []).append(name)
    numbers: dict[int, list[str]] = {}
    for queue_id, name, display in session.execute(
        select(
            WhatsAppNumber.queue_id, WhatsAppNumber.name, WhatsAppNumber.display_number
        ).order_by(WhatsAppNumber.name)
    ):
        numbers.setdefault(queue_id, []).append(display or name)
    return [
        QueueRow(
            queue=q,
            members=members.get(q.id, 0),
            open_tickets=open_counts.get(q.id, 0),
            mailboxes=mailboxes.get(q.id, []),
            numbers=numbers.get(q.id, []),
        )
        for q in queues
    ]


def queue_with_members(session: Session, queue_id: int) -> Queue | None:
    return session.scalar(
        select(Queue).where(Queue.id == queue_id).options(selectinload(Queue.members))
    )


def addable_staff(session: Session, queue: Queue) -> list[User]:
    """Active agents and supervisors who are not members yet."""
    present = {u.id for u in queue.members}
    rows = session.scalars(
        select(User)
        .where(User.is_active_user, User.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]))
        .order_by(User.name)
    )
    return [u for u in rows if u.id not in present]


def all_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.name)))


def all_numbers(session: Session) -> list[WhatsAppNumber]:
    return list(session.scalars(select(WhatsAppNumber).order_by(WhatsAppNumber.name)))


def policies_for(session: Session, queue: Queue) -> list[SlaPolicy]:
    return list(
        session.scalars(
            select(SlaPolicy)
            .where(SlaPolicy.queue_id == queue.id)
            .options(selectinload(SlaPolicy.calendar))
            .order_by(
                SlaPolicy.priority.is_not(None), SlaPolicy.ticket_type.is_not(None), SlaPolicy.id
            )
        )
    )


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)
