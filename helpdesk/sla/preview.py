"""What deadlines a ticket would get: the same code as real tickets, without one.

Used by ``helpdesk sla preview`` and the admin pages to check a configuration.
Times come out in ISO 8601 with the calendar's UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.queues.models import Queue
from helpdesk.sla.clocks import History, TargetSpec, base_due
from helpdesk.sla.deadlines import clocks_for
from helpdesk.sla.models import Target, Unit
from helpdesk.sla.queries import build, by_name, policy_for
from helpdesk.tickets.vocabulary import Priority, TicketType


class PreviewError(ValueError):
    """The question cannot be answered (unknown queue, calendar, priority…)."""


def parse_moment(value: str) -> datetime:
    """An ISO 8601 moment with its offset (``Z`` allowed); naive times are refused."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PreviewError(f"--at {value!r} is not an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise PreviewError(f"--at {value!r} needs a UTC offset, e.g. 2026-11-23T10:00:00-06:00")
    return moment


def ticket_deadlines(
    session: Session,
    *,
    queue: str,
    priority: str,
    ticket_type: str,
    at: datetime,
    tags: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The deadlines of a ticket opened at ``at`` in ``queue`` with this priority, type
    and ``tags`` (a data-rights request's legal basis picks its policy)."""
    found = session.scalar(
        select(Queue).where(
            (func.lower(Queue.name) == queue.strip().lower()) | (Queue.slug == queue.strip())
        )
    )
    if found is None:
        raise PreviewError(f"no queue named {queue!r}")
    _check_choice(priority, Priority, "--priority")
    _check_choice(ticket_type, TicketType, "--type")
    tags = frozenset(t.strip().lower() for t in tags if t.strip())
    policy = policy_for(session, found.id, priority, ticket_type, tags=tags)
    answer: dict[str, Any] = {
        "queue": found.name,
        "priority": priority,
        "type": ticket_type,
        "tags": sorted(tags),
        "opened_at": at.isoformat(),
        "policy": policy.name if policy else None,
        "calendar": policy.calendar.name if policy else None,
    }
    clocks = clocks_for(policy, History(opened_at=at)) if policy else {}
    zone = ZoneInfo(policy.calendar.config["timezone"]) if policy else None
    for target in (Target.FIRST_RESPONSE, Target.RESOLUTION):
        clock = clocks.get(target)
        answer[f"{target.value}_due"] = clock.due_at.astimezone(zone).isoformat() if clock else None
    return answer


def calendar_sum(
    session: Session, *, calendar: str, at: datetime, amount: int, unit: Unit
) -> dict[str, Any]:
    """``at`` plus ``amount`` of ``unit`` on a stored calendar: ``{"due": ...}``."""
    stored = by_name(session, calendar)
    if stored is None:
        raise PreviewError(f"no calendar named {calendar!r}")
    if amount < 0:
        raise PreviewError("the amount must be zero or more")
    arithmetic = build(stored)
    due = base_due(TargetSpec(Target.RESOLUTION, amount, unit), arithmetic, at)
    return {"due": due.astimezone(ZoneInfo(arithmetic.timezone)).isoformat()}


def _check_choice(value: str, enum: Any, option: str) -> None:
    if value not in {e.value for e in enum}:
        choices = ", ".join(e.value for e in enum)
        raise PreviewError(f"{option} {value!r} is not one of: {choices}")
