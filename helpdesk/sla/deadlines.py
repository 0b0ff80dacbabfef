"""A ticket's deadlines in the database, kept in step with its history.

Every change that can move a clock (opened, status changed, reply queued, message
received, queue/priority/type changed) calls :func:`refresh`, which recomputes all the
ticket's clocks from its history (``helpdesk.sla.clocks``) and writes the differences.
``tickets`` never imports ``sla``: the receivers below listen to ``helpdesk.events``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor, record
from helpdesk.db import forget_cache, transaction_cache
from helpdesk.sla.clocks import Clock, History, TargetSpec, compute
from helpdesk.sla.models import SlaPolicy, Target, TicketDeadline
from helpdesk.sla.queries import build, has_tagged_policy, policy_for
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Direction

RECOMPUTING_FIELDS = frozenset({"queue", "priority", "type"})
_STATUSES, _ROWS = "aclara.sla_statuses", "aclara.sla_rows"


def clocks_for(policy: SlaPolicy, history: History) -> dict[Target, Clock]:
    """The clocks a ticket with this history gets under this policy (preview uses it too)."""
    calendar = build(policy.calendar)
    clocks = {}
    for target in Target:
        amount, unit = policy.target(target)
        if amount is None:
            continue
        clock = compute(
            TargetSpec(target, amount, unit),
            calendar,
            history,
            warning_percent=policy.warning_percent,
        )
        if clock is not None:
            clocks[target] = clock
    return clocks


def history_of(session: Session, ticket: Ticket) -> History:
    """The facts the clocks are computed from: status changes (from the audit trail) and
    the conversation (notes and automatic messages never move a clock)."""
    return History(
        opened_at=ticket.created_at,
        statuses=list(_statuses(session, ticket.id)),
        messages=[
            (m.created_at, m.direction)
            for m in ticket.messages
            if m.direction != Direction.NOTE and not m.is_automatic
        ],
        first_response_at=ticket.first_response_at,
    )


def refresh(session: Session, ticket: Ticket, *, now: datetime) -> list[TicketDeadline]:
    """Recompute and store the ticket's deadlines; a ticket with no policy has none."""
    queue_id = ticket.queue.id if ticket.queue is not None else None
    policy = policy_for(session, queue_id, ticket.priority, ticket.type, ticket_id=ticket.id)
    clocks = clocks_for(policy, history_of(session, ticket)) if policy else {}
    rows = _rows(session, ticket.id)
    before = {target: row.due_at for target, row in rows.items()}
    kept, deleted = [], False
    for target in Target:
        row, clock = rows.get(target.value), clocks.get(target)
        if clock is None:
            if row is not None:
                session.delete(rows.pop(target.value))
                deleted = True
            continue
        if row is None:
            row = rows[target.value] = TicketDeadline(ticket=ticket, target=target.value)
            session.add(row)
        _apply(row, clock, policy, now, assignee_id=ticket.assignee_id)
        kept.append(row)
    if deleted:  # now, or a later row for the same target would be inserted before it goes
        session.flush()
    _record_change(session, ticket, before, kept, policy, now)
    return kept


def deadlines_of(session: Session, ticket_id: int) -> list[TicketDeadline]:
    return list(
        session.scalars(
            select(TicketDeadline)
            .where(TicketDeadline.ticket_id == ticket_id)
            .order_by(TicketDeadline.due_at)
        )
    )


def _apply(
    row: TicketDeadline,
    clock: Clock,
    policy: SlaPolicy | None,
    now: datetime,
    *,
    assignee_id: int | None,
) -> None:
    restarted = row.started_at is not None and row.started_at != clock.started_at
    row.policy = policy
    row.started_at, row.due_at, row.warn_at = clock.started_at, clock.due_at, clock.warn_at
    row.met_at, row.paused_since = clock.met_at, clock.paused_since
    row.paused_minutes, row.used_minutes = clock.paused_minutes, clock.used_minutes
    row.updated_at = now
    if clock.met_at is not None and clock.met_at > clock.due_at and row.breach_assignee_id is None:
        row.breach_assignee_id = assignee_id  # met late before the sweep marked it
    if clock.met_at is None or restarted:
        # A deadline moved into the future (or a new cycle) has not been crossed yet.
        if restarted or (row.breached_at is not None and clock.due_at > now):
            row.breached_at = None
        if restarted or (row.warned_at is not None and clock.warn_at > now):
            row.warned_at = None


def _record_change(
    session: Session,
    ticket: Ticket,
    before: dict[str, datetime],
    rows: list[TicketDeadline],
    policy: SlaPolicy | None,
    now: datetime,
) -> None:
    after = {row.target: row.due_at for row in rows}
    if after == before:
        return
    record(
        session,
        Actor.system("sla"),
        "sla.deadlines_changed" if before else "sla.deadlines_set",
        ticket,
        now=now,
        ticket=ticket,
        before={k: v.isoformat() for k, v in before.items()} or None,
        after={
            "policy": policy.name if policy else None,
            **{k: v.isoformat() for k, v in after.items()},
        },
    )


# --- A per-transaction memory of each ticket's status history and deadline rows, so a
# burst of changes to one ticket (open, assign, reply...) costs no query per change.


def _memory(session: Session, key: str) -> dict[int, Any]:
    return transaction_cache(session, key)  # dropped when the transaction ends


def _statuses(session: Session, ticket_id: int) -> list[tuple[datetime, str]]:
    memory = _memory(session, _STATUSES)
    if ticket_id not in memory:
        rows = session.execute(
            select(AuditEvent.created_at, AuditEvent.after)
            .where(AuditEvent.ticket_id == ticket_id, AuditEvent.action == "ticket.status_changed")
            .order_by(AuditEvent.created_at, AuditEvent.id)
        ).all()
        memory[ticket_id] = [(at, (after or {}).get("status", "")) for at, after in rows]
    return memory[ticket_id]


def prefetch(session: Session, ticket_ids: Collection[int]) -> None:
    """Load the status history and deadline rows of many tickets at once (a mail group
    appending to them), so refreshing their clocks asks nothing per ticket."""
    statuses, rows = _memory(session, _STATUSES), _memory(session, _ROWS)
    wanted = [i for i in ticket_ids if i not in statuses or i not in rows]
    if not wanted:
        return
    history: dict[int, list[tuple[datetime, str]]] = {i: [] for i in wanted}
    for ticket_id, at, after in session.execute(
        select(AuditEvent.ticket_id, AuditEvent.created_at, AuditEvent.after)
        .where(AuditEvent.ticket_id.in_(wanted), AuditEvent.action == "ticket.status_changed")
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ):
        history[ticket_id].append((at, (after or {}).get("status", "")))
    deadlines: dict[int, dict[str, TicketDeadline]] = {i: {} for i in wanted}
    for row in session.scalars(select(TicketDeadline).where(TicketDeadline.ticket_id.in_(wanted))):
        deadlines[row.ticket_id][row.target] = row
    for ticket_id in wanted:
        statuses.setdefault(ticket_id, history[ticket_id])
        rows.setdefault(ticket_id, deadlines[ticket_id])


def _rows(session: Session, ticket_id: int) -> dict[str, TicketDeadline]:
    memory = _memory(session, _ROWS)
    if ticket_id not in memory:
        memory[ticket_id] = {
            row.target: row
            for row in session.scalars(
                select(TicketDeadline).where(TicketDeadline.ticket_id == ticket_id)
            )
        }
    return memory[ticket_id]


def forget(session: Session) -> None:
    """Drop the memory (after writing deadline rows or status history another way)."""
    forget_cache(session, _STATUSES, _ROWS)


def _opened_receiver(ticket: Ticket, *, session: Session, now: datetime, **_: Any) -> None:
    _memory(session, _STATUSES)[ticket.id] = []
    _memory(session, _ROWS)[ticket.id] = {}
    refresh(session, ticket, now=now)


def _status_receiver(
    ticket: Ticket, *, session: Session, after: str, now: datetime, **_: Any
) -> None:
    memory = _memory(session, _STATUSES)
    if ticket.id in memory:
        memory[ticket.id].append((now, after))
    refresh(session, ticket, now=now)


def _refresh_receiver(ticket: Ticket, *, session: Session, now: datetime, **_: Any) -> None:
    refresh(session, ticket, now=now)


def _changed_receiver(
    ticket: Ticket, *, session: Session, field: str, now: datetime, **_: Any
) -> None:
    if field in RECOMPUTING_FIELDS or (
        field == "tags" and has_tagged_policy(session, ticket.queue_id)
    ):
        refresh(session, ticket, now=now)


def connect() -> None:
    """Wire the clocks to the ticket events (called once by ``create_app``)."""
    events.ticket_opened.connect(_opened_receiver)
    events.ticket_status_changed.connect(_status_receiver)
    events.reply_queued.connect(_refresh_receiver)
    events.message_received.connect(_refresh_receiver)
    events.ticket_changed.connect(_changed_receiver)
