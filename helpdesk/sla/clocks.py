"""Deadlines from a ticket's history: pure functions, no database.

Every clock is computed from scratch from the same facts (when the ticket opened, its
status changes, its messages), so opening, pausing, resuming, replying and changing the
queue, priority or type all go through one path and always agree.

* **Start**: first response and resolution start when the ticket opens; next response
  starts at the debtor's first unanswered message after an agent has replied.
* **Met**: first response by the first agent reply; next response by the reply that
  answers the cycle; resolution when the ticket is resolved or closed.
* **Paused**: while the ticket is ``pending`` (waiting on the debtor), and while it is
  resolved, closed or merged (a reopened ticket's clocks go on from where they stood).
  A pause that began before the deadline pushes it back by the paused time: working
  time for business targets, elapsed time for calendar days. A pause that begins after
  the deadline changes nothing.
* **Warning**: the moment ``warning_percent`` of the target's time has been used, with
  the same pauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from helpdesk.sla.calendar import BusinessCalendar
from helpdesk.sla.models import Target, Unit

PAUSING = frozenset({"pending"})
STOPPED = frozenset({"resolved", "closed", "merged"})
_MINUTE = timedelta(minutes=1)

Interval = tuple[datetime, datetime | None]  # an open end: still going on


@dataclass(frozen=True)
class TargetSpec:
    target: Target
    amount: int
    unit: Unit


@dataclass(frozen=True)
class History:
    """What happened to a ticket, in order. ``messages``: (at, "in" | "out"), without
    notes and automatic messages; ``statuses``: (at, new status) after opening."""

    opened_at: datetime
    statuses: Sequence[tuple[datetime, str]] = ()
    messages: Sequence[tuple[datetime, str]] = ()
    first_response_at: datetime | None = None

    @property
    def status(self) -> str:
        return self.statuses[-1][1] if self.statuses else "new"


@dataclass(frozen=True)
class Clock:
    target: Target
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    met_at: datetime | None = None
    paused_since: datetime | None = None
    paused_minutes: float = 0.0
    # Once met: the time the target took, counted like its budget (working time for
    # business targets, every minute for calendar days) and without its pauses.
    used_minutes: float | None = None


class _TimeLine(Protocol):
    def advance(self, start: datetime, duration: timedelta) -> datetime: ...
    def measure(self, a: datetime, b: datetime) -> timedelta: ...


class _Working:
    """Business targets count working time only."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar

    def advance(self, start: datetime, duration: timedelta) -> datetime:
        return self.calendar.add_business_time(start, duration)

    def measure(self, a: datetime, b: datetime) -> timedelta:
        return self.calendar.business_time_between(a, b)


class _Elapsed:
    """Calendar-day targets count every minute."""

    def advance(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def measure(self, a: datetime, b: datetime) -> timedelta:
        return max(b - a, timedelta(0))


def base_due(spec: TargetSpec, calendar: BusinessCalendar, start: datetime) -> datetime:
    """The deadline of a clock started at ``start`` that is never paused."""
    if spec.unit == Unit.BUSINESS_MINUTES:
        return calendar.add_business_minutes(start, spec.amount)
    if spec.unit == Unit.BUSINESS_DAYS:
        return calendar.add_business_days(start, spec.amount)
    return calendar.add_calendar_days(start, spec.amount)


def compute(
    spec: TargetSpec, calendar: BusinessCalendar, history: History, *, warning_percent: int
) -> Clock | None:
    """The clock of one target, or None while it has not started (next response)."""
    cycle = _cycle(spec.target, history)
    if cycle is None:
        return None
    start, met = cycle
    line: _TimeLine = _Elapsed() if spec.unit == Unit.CALENDAR_DAYS else _Working(calendar)
    budget = line.measure(start, base_due(spec, calendar, start))
    pauses = _pauses(history, start, met)
    due, paused_since, paused = _extend(line, start, budget, pauses)
    warn, _, _ = _extend(line, start, budget * warning_percent / 100, pauses)
    return Clock(
        target=spec.target,
        started_at=start,
        due_at=due,
        warn_at=min(warn, due),
        met_at=met,
        paused_since=None if met else paused_since,
        paused_minutes=paused / _MINUTE,
        used_minutes=None if met is None else _used(line, start, met, pauses) / _MINUTE,
    )


def _used(line: _TimeLine, start: datetime, met: datetime, pauses: Sequence[Interval]) -> timedelta:
    """The time from ``start`` to ``met`` on the target's time line, less its pauses."""
    used = line.measure(start, met)
    for pause_start, pause_end in pauses:
        used -= line.measure(pause_start, pause_end or met)
    return max(used, timedelta(0))


def _extend(
    line: _TimeLine, start: datetime, budget: timedelta, pauses: Sequence[Interval]
) -> tuple[datetime, datetime | None, timedelta]:
    """The moment ``budget`` is used up, pushed back by each pause that began before it."""
    due = line.advance(start, budget) if budget else start
    paused = timedelta(0)
    for pause_start, pause_end in pauses:
        if pause_start >= due:
            break
        if pause_end is None:
            return due, pause_start, paused
        added = line.measure(pause_start, pause_end)
        if added:
            due, paused = line.advance(due, added), paused + added
    return due, None, paused


def _cycle(target: Target, history: History) -> tuple[datetime, datetime | None] | None:
    """When the target's clock started, and when it was met (None: not yet)."""
    if target == Target.FIRST_RESPONSE:
        return history.opened_at, history.first_response_at
    if target == Target.RESOLUTION:
        return history.opened_at, _resolved_at(history.statuses)
    return _next_response_cycle(history.messages)


def _resolved_at(statuses: Sequence[tuple[datetime, str]]) -> datetime | None:
    """When the ticket was last resolved, if it still is (resolved, then closed)."""
    resolved = None
    for at, status in reversed(statuses):
        if status not in ("resolved", "closed"):
            break
        resolved = at
    return resolved


def _next_response_cycle(
    messages: Sequence[tuple[datetime, str]],
) -> tuple[datetime, datetime | None] | None:
    """The debtor's first unanswered message after an agent reply, and its answer."""
    replied, start, met = False, None, None
    for at, direction in sorted(messages):
        if direction == "out":
            replied = True
            if start is not None and met is None:
                met = at
        elif replied and (start is None or met is not None):
            start, met = at, None
    return (start, met) if start is not None else None


def _pauses(history: History, start: datetime, met: datetime | None) -> list[Interval]:
    """Pending and stopped periods after ``start`` (and before ``met``), in order."""
    pauses: list[Interval] = []
    timeline = [(history.opened_at, "new"), *history.statuses]
    for index, (at, status) in enumerate(timeline):
        if status not in PAUSING | STOPPED:
            continue
        end = timeline[index + 1][0] if index + 1 < len(timeline) else None
        if met is not None:
            if at >= met:
                break
            end = met if end is None or end > met else end
        if end is not None and end <= start:
            continue
        _append(pauses, (max(at, start), end))
    return pauses


def _append(pauses: list[Interval], pause: Interval) -> None:
    """Add a pause, merging it with the previous one when they touch."""
    if pauses and pauses[-1][1] == pause[0]:
        pauses[-1] = (pauses[-1][0], pause[1])
    else:
        pauses.append(pause)
