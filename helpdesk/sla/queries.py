"""SLA reads: deadline countdowns in working time and nearest-deadline order for the
inbox; the policy that applies to a ticket and a stored calendar's arithmetic."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.db import forget_cache, transaction_cache
from helpdesk.routing.models import ticket_tags
from helpdesk.sla.calendar import BusinessCalendar
from helpdesk.sla.models import SlaCalendar, SlaPolicy, Target, TicketDeadline, Unit
from helpdesk.sla.notifications import target_label
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Status

STOPPED = {Status.RESOLVED.value, Status.CLOSED.value, Status.MERGED.value}
_ORDER = {t.value: i for i, t in enumerate(Target)}


@dataclass(frozen=True)
class DeadlineView:
    """One clock as the inbox shows it."""

    target: str
    state: str  # ok | warning | breached | paused | met | stopped
    due_at: datetime
    minutes_left: float  # working minutes (elapsed for calendar days); < 0 when overdue
    met_at: datetime | None = None

    @property
    def label(self) -> str:
        return target_label(self.target)

    @property
    def text(self) -> str:
        if self.state == "met":
            return _("met")
        if self.state == "stopped":
            return _("stopped")
        left = duration_text(abs(self.minutes_left))
        if self.minutes_left < 0:
            return _("overdue by %(time)s", time=left)
        if self.state == "paused":
            return _("paused, %(time)s left", time=left)
        return _("%(time)s left", time=left)


def duration_text(minutes: float) -> str:
    whole = int(minutes)
    hours, rest = divmod(whole, 60)
    if hours >= 48:
        return _("%(days)d d %(hours)d h", days=hours // 24, hours=hours % 24)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    return _("%(minutes)d min", minutes=rest)


def views_for(
    session: Session, tickets: Sequence[Ticket], *, now: datetime
) -> dict[int, list[DeadlineView]]:
    """Each ticket's clocks, in a fixed number of queries whatever the page size."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    rows = session.scalars(
        select(TicketDeadline)
        .where(TicketDeadline.ticket_id.in_(ids))
        .options(selectinload(TicketDeadline.policy).selectinload(SlaPolicy.calendar))
    ).all()
    status = {t.id: t.status for t in tickets}
    found: dict[int, list[DeadlineView]] = {i: [] for i in ids}
    for row in sorted(rows, key=lambda r: _ORDER.get(r.target, 9)):
        found[row.ticket_id].append(_view(row, status[row.ticket_id], now))
    return found


def _view(row: TicketDeadline, status: str, now: datetime) -> DeadlineView:
    if row.met_at is not None:
        state = "met"
    elif status in STOPPED:
        state = "stopped"
    elif row.paused_since is not None:
        state = "paused"
    elif row.breached_at is not None or row.due_at <= now:
        state = "breached"
    elif row.warned_at is not None or row.warn_at <= now:
        state = "warning"
    else:
        state = "ok"
    return DeadlineView(row.target, state, row.due_at, _minutes_left(row, now), row.met_at)


def _minutes_left(row: TicketDeadline, now: datetime) -> float:
    start = row.paused_since or now
    policy = row.policy
    unit = policy.target(Target(row.target))[1] if policy else Unit.CALENDAR_DAYS
    if unit == Unit.CALENDAR_DAYS or policy is None:
        return (row.due_at - start) / timedelta(minutes=1)
    calendar = build(policy.calendar)
    if row.due_at >= start:
        return calendar.business_minutes_between(start, row.due_at)
    return -calendar.business_minutes_between(row.due_at, start)


# --- Calendars and policies -------------------------------------------------------------

_CACHE = "aclara.sla_policies"  # session.info key: queue id -> its policies


def build(calendar: SlaCalendar) -> BusinessCalendar:
    """The arithmetic for a stored calendar (kept warm between calls)."""
    kept = calendar.__dict__.get("_arithmetic")
    if kept is not None and kept[0] is calendar.config:
        return kept[1]
    arithmetic = _built(json.dumps(calendar.config, sort_keys=True))
    calendar.__dict__["_arithmetic"] = (calendar.config, arithmetic)
    return arithmetic


@lru_cache(maxsize=128)
def _built(config_json: str) -> BusinessCalendar:
    return BusinessCalendar.from_config(json.loads(config_json))


def by_name(session: Session, name: str) -> SlaCalendar | None:
    return session.scalar(
        select(SlaCalendar).where(func.lower(SlaCalendar.name) == name.strip().lower())
    )


def policy_for(
    session: Session,
    queue_id: int | None,
    priority: str,
    ticket_type: str,
    *,
    ticket_id: int | None = None,
    tags: frozenset[str] = frozenset(),
) -> SlaPolicy | None:
    """The most specific policy of the queue for this priority and type (and, for a
    ticket, its tags; without one, ``tags``), if any. A ticket's tags are read only when
    the queue has a tagged policy, so the common case costs no query."""
    if queue_id is None:
        return None
    candidates = _policies_of(session, queue_id)
    if ticket_id is not None and any(p.tag for p in candidates):
        tags = frozenset(
            session.scalars(select(ticket_tags.c.tag).where(ticket_tags.c.ticket_id == ticket_id))
        )
    return best_policy(candidates, priority, ticket_type, tags)


def has_tagged_policy(session: Session, queue_id: int | None) -> bool:
    """Whether a tag can change which policy a ticket of this queue gets."""
    return queue_id is not None and any(p.tag for p in _policies_of(session, queue_id))


def _policies_of(session: Session, queue_id: int) -> Sequence[SlaPolicy]:
    cache = transaction_cache(session, _CACHE)  # dropped when the transaction ends
    if queue_id not in cache:
        cache[queue_id] = session.scalars(
            select(SlaPolicy).where(SlaPolicy.queue_id == queue_id)
        ).all()
    return cache[queue_id]


def forget_policies(session: Session) -> None:
    """Drop the session's policy cache: it lives for one transaction at most, and less
    when a policy is saved or deleted."""
    forget_cache(session, _CACHE)


def best_policy(
    candidates: list[SlaPolicy] | tuple[SlaPolicy, ...] | Sequence[SlaPolicy],
    priority: str,
    ticket_type: str,
    tags: Collection[str] = frozenset(),
) -> SlaPolicy | None:
    fitting = [
        p
        for p in candidates
        if p.priority in (None, priority)
        and p.ticket_type in (None, ticket_type)
        and (p.tag is None or p.tag in tags)
    ]
    return max(
        fitting,
        key=lambda p: (p.tag is not None, p.ticket_type is not None, p.priority is not None),
        default=None,
    )


def calendar_by_id(session: Session, calendar_id: int | None) -> SlaCalendar | None:
    return session.get(SlaCalendar, calendar_id) if calendar_id else None


def policy_by_id(session: Session, policy_id: int | None) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id) if policy_id else None


def calendars_by_name(session: Session) -> list[SlaCalendar]:
    return list(session.scalars(select(SlaCalendar).order_by(SlaCalendar.name)))


def all_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.queue_id, SlaPolicy.id)))


def tickets_to_recompute(session: Session, *, everything: bool = False) -> list[int]:
    """Tickets whose met deadlines lack ``used_minutes`` (met before revision 0017), or
    every ticket with deadlines."""
    statement = select(TicketDeadline.ticket_id).distinct().order_by(TicketDeadline.ticket_id)
    if not everything:
        statement = statement.where(
            TicketDeadline.met_at.is_not(None), TicketDeadline.used_minutes.is_(None)
        )
    return list(session.scalars(statement))
