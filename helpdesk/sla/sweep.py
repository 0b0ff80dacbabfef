"""The sweep: record warnings and breaches once, with set-based SQL, then escalate.

Two statements find the work, whatever the number of open tickets:

    UPDATE ticket_deadlines SET breached_at = :now, warned_at = COALESCE(warned_at, :now)
     WHERE due_at <= :now AND met_at IS NULL AND breached_at IS NULL
       AND paused_since IS NULL RETURNING id, ticket_id, target, policy_id
    UPDATE ticket_deadlines SET warned_at = :now WHERE warn_at <= :now AND … RETURNING …

Each reads a partial index that holds only running clocks, and a row leaves it as soon as
it is marked, so a second sweep finds nothing: recording is idempotent (on PostgreSQL a
concurrent sweep blocks on the row and re-checks the WHERE, so never marks it twice).
Escalation then works on the returned rows only: notices (in-app and email) to the
assignee and the queue's supervisors, priority raised one step, a move to another queue —
each a bulk statement with its audit events. Tickets whose priority or queue moved get
their clocks recomputed by a job after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent
from helpdesk.db import UTCDateTime
from helpdesk.jobs import enqueue_after_commit
from helpdesk.queues.models import Queue
from helpdesk.sla.deadlines import forget
from helpdesk.sla.models import SlaPolicy, TicketDeadline
from helpdesk.sla.notifications import notify
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import Role, User, user_queues

CHUNK = 5000
SWEEP_LOCK = 0x5A5EED  # pg_try_advisory_xact_lock key: one sweep at a time
NEXT_PRIORITY = {"low": "normal", "normal": "high", "high": "urgent"}


@dataclass(frozen=True)
class Crossed:
    deadline_id: int
    ticket_id: int
    target: str
    policy_id: int | None


@dataclass
class SweepReport:
    warned: int = 0
    breached: int = 0
    notified: int = 0
    raised: int = 0
    moved: int = 0
    skipped: bool = False
    recompute: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "recompute"}


def sweep(session: Session, *, now: datetime) -> SweepReport:
    """Mark what crossed its deadline or warning threshold, and escalate. Flushes."""
    if not _lock(session):
        return SweepReport(skipped=True)
    breached = _mark_breaches(session, now)
    warned = _mark_warnings(session, now)
    report = SweepReport(warned=len(warned), breached=len(breached))
    _audit(session, breached, "sla.breached", now)
    _audit(session, warned, "sla.warning", now)
    _escalate(session, breached, warned, report, now)
    _expire_changed(session, {c.ticket_id for c in (*breached, *warned)})
    return report


def _expire_changed(session: Session, ticket_ids: set[int]) -> None:
    """The statements above bypassed the identity map: what it holds of them is stale."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TicketDeadline) or (isinstance(obj, Ticket) and obj.id in ticket_ids):
            session.expire(obj)
    forget(session)


def _lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite writers are serialised by the database itself
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK}))


def _running(now: datetime) -> list[Any]:
    return [
        TicketDeadline.met_at.is_(None),
        TicketDeadline.breached_at.is_(None),
        TicketDeadline.paused_since.is_(None),
    ]


def _returning(statement: Any, session: Session) -> list[Crossed]:
    statement = statement.returning(
        TicketDeadline.id, TicketDeadline.ticket_id, TicketDeadline.target, TicketDeadline.policy_id
    ).execution_options(synchronize_session=False)
    return [Crossed(*row) for row in session.execute(statement)]


def _mark_breaches(session: Session, now: datetime) -> list[Crossed]:
    stamp = literal(now, UTCDateTime())
    statement = (
        update(TicketDeadline)
        .where(TicketDeadline.due_at <= stamp, *_running(now))
        .values(
            breached_at=stamp,
            warned_at=func.coalesce(TicketDeadline.warned_at, stamp),
            breach_assignee_id=_assignee_now,
        )
    )
    return _returning(statement, session)


# Who held the ticket when its deadline was crossed: the breach list names them.
_assignee_now = (
    select(Ticket.assignee_id).where(Ticket.id == TicketDeadline.ticket_id).scalar_subquery()
)


def _mark_warnings(session: Session, now: datetime) -> list[Crossed]:
    stamp = literal(now, UTCDateTime())
    statement = (
        update(TicketDeadline)
        .where(TicketDeadline.warn_at <= stamp, TicketDeadline.warned_at.is_(None), *_running(now))
        .values(warned_at=stamp)
    )
    return _returning(statement, session)


def _audit(session: Session, crossed: Sequence[Crossed], action: str, now: datetime) -> None:
    rows = [
        {
            "created_at": now,
            "actor_kind": "system",
            "actor_label": "sla",
            "action": action,
            "object_type": "ticket_deadlines",
            "object_id": c.deadline_id,
            "ticket_id": c.ticket_id,
            "after": {"target": c.target},
        }
        for c in crossed
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(AuditEvent), rows[start : start + CHUNK])


def _escalate(
    session: Session,
    breached: list[Crossed],
    warned: list[Crossed],
    report: SweepReport,
    now: datetime,
) -> None:
    ids = {c.ticket_id for c in (*breached, *warned)}
    if not ids:
        return
    tickets = _ticket_facts(session, ids)
    policies = _policies(session, {c.policy_id for c in breached if c.policy_id})
    supervisors = _supervisors(session, {t["queue_id"] for t in tickets.values() if t["queue_id"]})
    notices = [_notice(tickets[c.ticket_id]["assignee_id"], c, "sla.warning", now) for c in warned]
    raise_ids, moves = [], defaultdict(list)
    for c in breached:
        ticket, policy = tickets[c.ticket_id], policies.get(c.policy_id or 0)
        if policy is None:
            continue
        if policy.escalate_notify:
            people = {ticket["assignee_id"], *supervisors.get(ticket["queue_id"], ())}
            notices += [_notice(user_id, c, "sla.breached", now) for user_id in people]
        if policy.escalate_raise_priority and ticket["priority"] in NEXT_PRIORITY:
            raise_ids.append(c.ticket_id)
        if policy.escalate_queue_id and policy.escalate_queue_id != ticket["queue_id"]:
            moves[policy.escalate_queue_id].append(c.ticket_id)
    report.notified = len(notify(session, [n for n in notices if n["user_id"]]))
    report.raised = _raise_priority(session, sorted(set(raise_ids)), tickets, now)
    report.moved = _move(session, moves, tickets, now)
    report.recompute = sorted(set(raise_ids) | {i for ids_ in moves.values() for i in ids_})
    _queue_recompute(session, report.recompute)


def _notice(user_id: int | None, crossed: Crossed, kind: str, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "ticket_id": crossed.ticket_id,
        "kind": kind,
        "target": crossed.target,
        "created_at": now,
    }


def _ticket_facts(session: Session, ids: set[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(Ticket.id, Ticket.assignee_id, Ticket.queue_id, Ticket.priority).where(
                Ticket.id.in_(ordered[start : start + CHUNK])
            )
        ).all()
        found.update({r.id: r._asdict() for r in rows})
    return found


def _policies(session: Session, ids: set[int]) -> dict[int, SlaPolicy]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(SlaPolicy).where(SlaPolicy.id.in_(ids)))}


def _supervisors(session: Session, queue_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    if queue_ids:
        rows = session.execute(
            select(user_queues.c.queue_id, User.id)
            .join(User, User.id == user_queues.c.user_id)
            .where(
                user_queues.c.queue_id.in_(queue_ids),
                User.role == Role.SUPERVISOR.value,
                User.is_active_user,
            )
        ).all()
        for queue_id, user_id in rows:
            found[queue_id].add(user_id)
    return found


def _raise_priority(
    session: Session, ids: list[int], tickets: dict[int, dict[str, Any]], now: datetime
) -> int:
    if not ids:
        return 0
    stamp = literal(now, UTCDateTime())
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids[start : start + CHUNK]))
            .values(
                priority=case(NEXT_PRIORITY, value=Ticket.priority, else_=Ticket.priority),
                updated_at=stamp,
            )
            .execution_options(synchronize_session=False)
        )
    _audit_changes(
        session,
        "priority",
        [(i, tickets[i]["priority"], NEXT_PRIORITY[tickets[i]["priority"]]) for i in ids],
        now,
    )
    return len(ids)


def _move(
    session: Session, moves: dict[int, list[int]], tickets: dict[int, dict[str, Any]], now: datetime
) -> int:
    if not moves:
        return 0
    names = dict(session.execute(select(Queue.id, Queue.name)).all())
    stamp = literal(now, UTCDateTime())
    changes = []
    for queue_id, ids in moves.items():
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(queue_id=queue_id, updated_at=stamp)
            .execution_options(synchronize_session=False)
        )
        changes += [(i, names.get(tickets[i]["queue_id"]), names.get(queue_id)) for i in ids]
    _audit_changes(session, "queue", changes, now)
    return len(changes)


def _audit_changes(
    session: Session, field_name: str, changes: list[tuple[int, Any, Any]], now: datetime
) -> None:
    rows = [
        {
            "created_at": now,
            "actor_kind": "system",
            "actor_label": "sla",
            "action": f"ticket.{field_name}_changed",
            "object_type": "tickets",
            "object_id": ticket_id,
            "ticket_id": ticket_id,
            "before": {field_name: before},
            "after": {field_name: after},
        }
        for ticket_id, before, after in changes
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(AuditEvent), rows[start : start + CHUNK])


def _queue_recompute(session: Session, ticket_ids: list[int]) -> None:
    from helpdesk.sla.jobs import recompute_deadlines

    for start in range(0, len(ticket_ids), 500):
        enqueue_after_commit(session, recompute_deadlines, ticket_ids[start : start + 500])
