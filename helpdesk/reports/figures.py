"""The figures of the SLA report, from SQL aggregates: never a ticket loaded into Python.

The counts are cells of three grouped passes over the tickets (opened with their clocks,
resolved, open at the end), folded here into totals, days, queues and agents; the rest
(percentiles, breaches, outcomes, holds, reminders, causes) is one aggregate each.

Every count, time and percentile reads ``report_tickets`` (``ReportTicket``): one narrow
row a ticket with both clocks side by side, kept by the database's triggers, instead of
``tickets`` joined to two rows of ``ticket_deadlines``. Only what shows a ticket's folio
or subject (the breach list, the longest holds) reads ``tickets``.

``Figures`` holds the queries of one report (its period, conditions and moment); the
values they return are the small types above it. Definitions (what "met" or
"backlog" means) are written for people in ``labels.DEFINITIONS``; the SQL here is their
one spelling. ``queries.build_report`` puts them together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.accounts.models import CollectionAccount
from helpdesk.db import UTCDateTime
from helpdesk.holds.models import Hold, TicketOutcome
from helpdesk.queues.models import Queue
from helpdesk.reminders.models import ReminderDispatch
from helpdesk.reports.models import ReportTicket
from helpdesk.reports.percentiles import EVERYTHING, Measured, grouped_percentiles
from helpdesk.reports.scope import Filters, Period, Scope, narrows, ticket_conditions
from helpdesk.reports.sql import (
    as_utc,
    day_bucket,
    is_postgres,
    local_days,
    percentiles,
    seconds_between,
)
from helpdesk.routing.models import ticket_tags
from helpdesk.sla.models import Target, TicketDeadline
from helpdesk.tickets.models import Ticket, ticket_accounts
from helpdesk.tickets.vocabulary import TicketType
from helpdesk.users.models import User

TARGETS = (Target.FIRST_RESPONSE.value, Target.RESOLUTION.value)
STATES = ("met", "breached", "running")
OUTCOMES = ("favourable", "unfavourable", "partial")
# Backlog age buckets: (key, lower bound in days), each up to the next one's bound.
AGE_BUCKETS = (("0-1", 0), ("1-3", 1), ("3-7", 3), ("7-14", 7), ("14-30", 14), ("30+", 30))
BREACHES_SHOWN = 50
LONGEST_HOLDS_SHOWN = 10
# The passes key their cells by (queue, assignee, day or age); groups() picks one of the two.
GROUP_KEYS = ("queue", "agent")
# The groupings of the percentiles on PostgreSQL: the index of the key in
# (queue_id, assignee_id), or all rows.
GROUPING_QUEUE, GROUPING_AGENT, GROUPING_ALL = 0, 1, EVERYTHING
# Each target's clock in report_tickets: (due, met, business minutes), in TARGETS' order.
CLOCKS = (
    (ReportTicket.first_due_at, ReportTicket.first_met_at, ReportTicket.first_minutes),
    (
        ReportTicket.resolution_due_at,
        ReportTicket.resolution_met_at,
        ReportTicket.resolution_minutes,
    ),
)


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def total(self) -> int:
        return self.met + self.breached + self.running

    @property
    def met_percent(self) -> float | None:
        """Met out of the decided ones (met or breached); None when none is decided."""
        decided = self.met + self.breached
        return round(100.0 * self.met / decided, 1) if decided else None


@dataclass(frozen=True)
class Breach:
    folio: str
    subject: str
    queue: str | None
    target: str
    due_at: datetime
    met_at: datetime | None
    held_by: str | None


@dataclass(frozen=True)
class OpenHold:
    folio: str
    account: str
    creditor: str
    opened_at: datetime
    days: float


@dataclass
class GroupRow:
    """One queue's or one agent's line: counts, compliance and a daily sparkline."""

    key: int | None
    name: str
    opened: int = 0
    resolved: int = 0
    backlog: int = 0
    sla: dict[str, Compliance] = field(default_factory=dict)
    first_response_median: float | None = None
    resolution_median: float | None = None
    daily: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Day:
    day: date
    opened: int
    resolved: int
    sla: dict[str, Compliance]


class Figures:
    """The queries of one report, sharing its period, conditions and moment."""

    def __init__(
        self, session: Session, period: Period, filters: Filters, scope: Scope, now: datetime
    ) -> None:
        self.session, self.period = session, period
        # The scope and filters spelled on tickets and on their narrow copy.
        self.conditions = ticket_conditions(filters, scope)
        self.facts = ticket_conditions(filters, scope, ReportTicket)
        self.narrowed = narrows(filters, scope)  # False: every ticket of the period counts
        self.start, self.end = _at(period.start_at), _at(period.end_at)
        self.moment, self.now = now, _at(now)
        # The backlog and open holds are counted when the period ends, or now if sooner.
        self.as_of_moment = min(period.end_at, now)
        self.as_of = _at(self.as_of_moment)
        # Each pass is read once, whichever figures ask for it.
        self._opened_cells: dict[tuple[Any, ...], list[int]] | None = None
        self._resolved_cells: dict[tuple[Any, ...], int] | None = None
        self._backlog_cells: dict[tuple[Any, ...], int] | None = None
        self._median_cells: dict[tuple[int, Any], list[tuple[float | None, float | None]]] | None
        self._median_cells = None

    def _within(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)

    def _opened_facts(self) -> ColumnElement[bool]:
        return self._within(ReportTicket.created_at)

    def _counted(self, ticket_id: Any) -> list[ColumnElement[bool]]:
        """That a row of another table (a hold, an outcome) is of a ticket the report
        counts. With no filter nor scope that is only "its ticket was not merged away",
        asked of the few merged tickets (a partial index) instead of joining the row to
        every ticket: a year's holds in a tenth of the time (docs/benchmarks.md)."""
        if self.narrowed:
            return [ReportTicket.id == ticket_id, *self.facts]
        merged = select(ReportTicket.id).where(
            ReportTicket.id == ticket_id, ReportTicket.merged_into_id.is_not(None)
        )
        return [~merged.exists()]

    # --- counts -----------------------------------------------------------------------
    def opened_in(self) -> ColumnElement[bool]:
        return and_(Ticket.created_at >= self.start, Ticket.created_at < self.end)

    def resolved_in(self) -> ColumnElement[bool]:
        return and_(Ticket.resolved_at >= self.start, Ticket.resolved_at < self.end)

    def open_at_end(self) -> ColumnElement[bool]:
        return backlog_condition(self.as_of)

    def totals(self) -> tuple[int, int, int]:
        return (
            sum(cell[0] for cell in self._opened().values()),
            sum(self._resolved().values()),
            sum(self._backlog().values()),
        )

    # --- the three passes over the tickets --------------------------------------------
    # Every count of the report is one of three GROUP BY queue, assignee and day (or age),
    # each read once and folded here: a few thousand rows, never one per ticket. The
    # totals, the days and the queue and agent tables are sums of the same cells, so they
    # cannot disagree, and the 1,000,000-ticket table is read three times, not nineteen.

    def _opened(self) -> dict[tuple[Any, ...], list[int]]:
        """(queue, assignee, local day) → opened, then met/breached/running per target."""
        if self._opened_cells is None:
            bucket = day_bucket(self.session, ReportTicket.created_at, self.period)
            counts = [func.count()]
            for due, met, _ in CLOCKS:
                counts += [func.count().filter(state) for state in clock_states(self.now, due, met)]
            keys = (ReportTicket.queue_id, ReportTicket.assignee_id, bucket)
            statement = (
                select(*keys, *counts).where(self._opened_facts(), *self.facts).group_by(*keys)
            )
            self._opened_cells = local_days(self._rows(statement), self.period, key_index=2)
        return self._opened_cells

    def _medians(self) -> dict[tuple[int, Any], list[tuple[float | None, float | None]]]:
        """PostgreSQL: (grouping, key) → (median, 90th percentile) per target, for each
        queue (the median), each agent (the median) and everything (both), from the two
        passes of :func:`grouped_percentiles` instead of a sort per group."""
        if self._median_cells is not None:
            return self._median_cells
        measures = [
            Measured(minutes, [met.is_not(None), self._opened_facts(), *self.facts])
            for _, met, minutes in CLOCKS
        ]
        keys = (ReportTicket.queue_id, ReportTicket.assignee_id)
        wanted = {GROUPING_QUEUE: (0.5,), GROUPING_AGENT: (0.5,), GROUPING_ALL: (0.5, 0.9)}
        found = grouped_percentiles(self.session, measures, keys, wanted)
        medians: dict[tuple[int, Any], list[tuple[float | None, float | None]]] = {}
        for (target, grouping, key), values in found.items():
            pairs = medians.setdefault((grouping, key), [(None, None)] * len(CLOCKS))
            pairs[target] = (values.get(0.5), values.get(0.9))
        medians.setdefault((GROUPING_ALL, None), [(None, None)] * len(CLOCKS))
        self._median_cells = medians
        return medians

    def _resolved(self) -> dict[tuple[Any, ...], int]:
        """(queue, assignee, local day of resolution) → resolved."""
        if self._resolved_cells is None:
            bucket = day_bucket(self.session, ReportTicket.resolved_at, self.period)
            keys = (ReportTicket.queue_id, ReportTicket.assignee_id, bucket)
            statement = (
                select(*keys, func.count())
                .where(self._within(ReportTicket.resolved_at), *self.facts)
                .group_by(*keys)
            )
            folded = local_days(self._rows(statement), self.period, key_index=2)
            self._resolved_cells = {key: sums[0] for key, sums in folded.items()}
        return self._resolved_cells

    def _backlog(self) -> dict[tuple[Any, ...], int]:
        """(queue, assignee, age bucket) → open when the period ends."""
        if self._backlog_cells is None:
            bounds = [(key, self.as_of_moment - timedelta(days=days)) for key, days in AGE_BUCKETS]
            # newest first: a ticket younger than 1 day falls in "0-1", and so on
            ordered = [
                (ReportTicket.created_at > _at(bounds[i + 1][1]), literal(bounds[i][0]))
                for i in range(len(bounds) - 1)
            ]
            bucket = case(*ordered, else_=literal(AGE_BUCKETS[-1][0])).label("bucket")
            aged = select(ReportTicket.queue_id, ReportTicket.assignee_id, bucket).where(
                backlog_condition(self.as_of, ReportTicket), *self.facts
            )
            inner = aged.subquery()  # grouped outside: PostgreSQL will not group by parameters
            statement = select(
                inner.c.queue_id, inner.c.assignee_id, inner.c.bucket, func.count()
            ).group_by(inner.c.queue_id, inner.c.assignee_id, inner.c.bucket)
            self._backlog_cells = {(q, a, age): int(n) for q, a, age, n in self._rows(statement)}
        return self._backlog_cells

    def id_bounds(self, condition: ColumnElement[bool]) -> tuple[int | None, int | None]:
        """The lowest and highest id of the tickets meeting ``condition`` in scope, to bound
        the clocks joined to them (:func:`clock_bounds`)."""
        # ``id + 0``: read the period's tickets by ``created_at``; on ``min(id)`` itself
        # the planner walks the primary key from 1 hoping to meet a month's ticket early,
        # and filters 900,000 rows first (0.56 s against 0.03 s at 1,000,000 tickets).
        number = Ticket.id + 0
        statement = select(func.min(number), func.max(number)).where(condition, *self.conditions)
        low, high = self.session.execute(statement).one()
        return low, high

    # --- SLA --------------------------------------------------------------------------
    def compliance(self) -> dict[str, Compliance]:
        sums = [0] * 6
        for cell in self._opened().values():
            for i in range(6):
                sums[i] += cell[i + 1]
        return {target: _compliance(sums, n) for n, target in enumerate(TARGETS)}

    def times(self) -> dict[str, tuple[float | None, float | None]]:
        if is_postgres(self.session):
            found = self._medians()[(GROUPING_ALL, None)]
            return {target: (found[n][0], found[n][1]) for n, target in enumerate(TARGETS)}
        times = {}
        for target, (_, met, minutes) in zip(TARGETS, CLOCKS, strict=True):
            conditions = [met.is_not(None), self._opened_facts(), *self.facts]
            times[target] = _pair(percentiles(self.session, minutes, conditions).get(None))
        return times

    def _deadlines(self, *columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(TicketDeadline)
            .join(Ticket, Ticket.id == TicketDeadline.ticket_id)
            .where(
                TicketDeadline.target.in_(TARGETS),
                # Implied, but it lets the database walk ``ix_ticket_deadlines_due_at``
                # from the period's start and stop at the 50th breach: both clocks start
                # when their ticket is opened, and a deadline is never before its start.
                # 16 ms for twelve months instead of 0.7 s sorting every breach.
                TicketDeadline.due_at >= self.start,
                self.opened_in(),
                *self.conditions,
            )
        )

    def breaches(self) -> list[Breach]:
        _, breached, _ = deadline_states(self.now)
        holder = User.__table__.alias("holder")
        statement = (
            self._deadlines(
                Ticket.folio,
                Ticket.subject,
                Queue.name,
                TicketDeadline.target,
                TicketDeadline.due_at,
                TicketDeadline.met_at,
                holder.c.name,
            )
            .outerjoin(Queue, Queue.id == Ticket.queue_id)
            .outerjoin(
                holder,
                holder.c.id == func.coalesce(TicketDeadline.breach_assignee_id, Ticket.assignee_id),
            )
            .where(breached)
            .order_by(TicketDeadline.due_at, Ticket.folio, TicketDeadline.target)
            .limit(BREACHES_SHOWN)
        )
        return [
            Breach(row[0], row[1], row[2], row[3], as_utc(row[4]), as_utc(row[5]), row[6])
            for row in self._rows(statement)
        ]

    # --- backlog ----------------------------------------------------------------------
    def backlog_ages(self) -> list[tuple[str, int]]:
        found: dict[str, int] = defaultdict(int)
        for (_, _, age), count in self._backlog().items():
            found[age] += count
        return [(key, found.get(key, 0)) for key, _ in AGE_BUCKETS]

    # --- disputes and holds -------------------------------------------------------------
    def outcomes(self) -> tuple[list[tuple[str, dict[str, int]]], list[tuple[str, dict[str, int]]]]:
        recorded = and_(
            TicketOutcome.recorded_at >= self.start, TicketOutcome.recorded_at < self.end
        )
        base = (
            select()
            .select_from(TicketOutcome)
            .join(ReportTicket, ReportTicket.id == TicketOutcome.ticket_id)
            .where(recorded, *self.facts)
        )
        by_type = base.add_columns(ReportTicket.type, TicketOutcome.outcome, func.count()).group_by(
            ReportTicket.type, TicketOutcome.outcome
        )
        by_creditor = (
            select(CollectionAccount.creditor, TicketOutcome.outcome, func.count())
            .select_from(TicketOutcome)
            .where(recorded, *self._counted(TicketOutcome.ticket_id))
            .join(ticket_accounts, ticket_accounts.c.ticket_id == TicketOutcome.ticket_id)
            .join(CollectionAccount, CollectionAccount.id == ticket_accounts.c.account_id)
            .group_by(CollectionAccount.creditor, TicketOutcome.outcome)
        )
        return self._outcome_table(by_type), self._outcome_table(by_creditor)

    def _outcome_table(self, statement: Any) -> list[tuple[str, dict[str, int]]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
        for key, outcome, count in self._rows(statement):
            if outcome in OUTCOMES:
                table[key][outcome] += int(count)
        return sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0]))

    def hold_durations(self) -> tuple[int, tuple[float | None, float | None]]:
        ended = [self._within(Hold.closed_at), *self._counted(Hold.ticket_id)]
        paused = (
            seconds_between(
                self.session, Hold.opened_at, func.coalesce(Hold.resume_at, Hold.closed_at)
            )
            / 86400.0
        )
        if is_postgres(self.session):  # the count and both fractions in one pass
            fractions = array([literal(0.5), literal(0.9)])
            statement = select(
                func.count(), func.percentile_disc(fractions).within_group(paused)
            ).select_from(Hold)
            count, values = self.session.execute(statement.where(*ended)).one()
            p50, p90 = _fractions(values)
        else:
            count = self.session.scalar(select(func.count()).select_from(Hold).where(*ended))
            p50, p90 = _pair(percentiles(self.session, paused, ended).get(None))
        return int(count or 0), (_round(p50), _round(p90))

    def longest_holds(self) -> list[OpenHold]:
        still_open = or_(Hold.closed_at.is_(None), Hold.closed_at >= self.as_of)
        statement = (
            select(
                Ticket.folio, CollectionAccount.number, CollectionAccount.creditor, Hold.opened_at
            )
            .select_from(Hold)
            .join(Ticket, Ticket.id == Hold.ticket_id)
            .join(CollectionAccount, CollectionAccount.id == Hold.account_id)
            .where(Hold.opened_at < self.as_of, still_open, *self.conditions)
            .order_by(Hold.opened_at, Ticket.folio)
            .limit(LONGEST_HOLDS_SHOWN)
        )
        until = self.as_of_moment
        return [
            OpenHold(f, n, c, as_utc(at), round((until - as_utc(at)).total_seconds() / 86400, 1))
            for f, n, c, at in self._rows(statement)
        ]

    def reminders_skipped(self) -> int:
        statement = (
            select(func.count())
            .select_from(ReminderDispatch)
            .where(
                ReminderDispatch.status == "skipped",
                ReminderDispatch.reason == "hold",
                ReminderDispatch.at >= self.start,
                ReminderDispatch.at < self.end,
            )
        )
        if self.narrowed:
            # Unfiltered, every such skip counts: the dispatcher skipped it because a hold
            # was open, and holds are closed, never deleted. The probe per skip is only
            # needed to ask whose ticket held it (a third of a month's report otherwise).
            statement = statement.where(self._account_in_scope())
        return int(self.session.scalar(statement) or 0)

    def _account_in_scope(self) -> ColumnElement[bool]:
        """A reminder counts when a ticket in the report's scope holds its account."""
        holding = (
            select(Hold.id)
            .join(Ticket, Ticket.id == Hold.ticket_id)
            .where(Hold.account_id == ReminderDispatch.account_id, *self.conditions)
        )
        return holding.exists()

    def complaints_by_cause(self) -> list[tuple[str, int]]:
        cause = func.coalesce(ticket_tags.c.tag, literal_column("''"))
        statement = (
            select(cause, func.count())
            .select_from(ReportTicket)
            .outerjoin(ticket_tags, ticket_tags.c.ticket_id == ReportTicket.id)
            .where(
                ReportTicket.type == TicketType.COMPLAINT.value,
                self._opened_facts(),
                *self.facts,
            )
            .group_by(cause)
        )
        rows = [(str(tag), int(count)) for tag, count in self._rows(statement)]
        return sorted(rows, key=lambda row: (-row[1], row[0] == "", row[0]))

    # --- over time and per group -------------------------------------------------------
    def days(self) -> list[Day]:
        opened: dict[date, int] = defaultdict(int)
        resolved: dict[date, int] = defaultdict(int)
        sla: dict[date, list[int]] = {}
        for (_, _, day), cell in self._opened().items():
            opened[day] += cell[0]
            sums = sla.setdefault(day, [0] * 6)
            for i in range(6):
                sums[i] += cell[i + 1]
        for (_, _, day), count in self._resolved().items():
            resolved[day] += count
        return [
            Day(
                day,
                opened.get(day, 0),
                resolved.get(day, 0),
                {t: _compliance(sla.get(day, [0] * 6), n) for n, t in enumerate(TARGETS)},
            )
            for day in self.period.days
        ]

    def groups(self, by: str, names: dict[int | None, str]) -> list[GroupRow]:
        """One line per queue (``by="queue"``) or per agent (``by="agent"``)."""
        at = GROUP_KEYS.index(by)  # where the key sits in a cell's (queue, assignee, …)
        rows: dict[int | None, GroupRow] = {}
        index = {day: n for n, day in enumerate(self.period.days)}

        def row(key: int | None) -> GroupRow:
            if key not in rows:
                rows[key] = GroupRow(key, names.get(key, "—"), daily=[0] * len(self.period.days))
            return rows[key]

        sla: dict[int | None, list[int]] = {}
        for cell_key, cell in self._opened().items():
            key, day = cell_key[at], cell_key[2]
            group = row(key)
            group.opened += cell[0]
            if day in index:
                group.daily[index[day]] += cell[0]
            sums = sla.setdefault(key, [0] * 6)
            for i in range(6):
                sums[i] += cell[i + 1]
        for key, sums in sla.items():
            for n, target in enumerate(TARGETS):
                if sum(sums[3 * n : 3 * n + 3]):  # as before: only targets with clocks
                    rows[key].sla[target] = _compliance(sums, n)
        for cell_key, count in self._resolved().items():
            row(cell_key[at]).resolved += count
        for cell_key, count in self._backlog().items():
            row(cell_key[at]).backlog += count
        self._group_medians(by, row)
        return sorted(rows.values(), key=lambda r: (-r.opened, -r.backlog, r.name))

    def _group_medians(self, by: str, row: Any) -> None:
        attributes = ("first_response_median", "resolution_median")
        if is_postgres(self.session):
            kind = GROUPING_QUEUE if by == "queue" else GROUPING_AGENT
            for (grouping, key), values in self._medians().items():
                if grouping == kind:
                    for attribute, (median, _) in zip(attributes, values, strict=True):
                        if median is not None:
                            setattr(row(key), attribute, median)
            return
        column = ReportTicket.queue_id if by == "queue" else ReportTicket.assignee_id
        for (_, met, minutes), attribute in zip(CLOCKS, attributes, strict=True):
            conditions = [met.is_not(None), self._opened_facts(), *self.facts]
            found = percentiles(self.session, minutes, conditions, group=column, fractions=(0.5,))
            for key, (median,) in found.items():
                setattr(row(key), attribute, median)

    # --- plumbing ---------------------------------------------------------------------
    def _rows(self, statement: Any) -> list[Any]:
        return list(self.session.execute(statement))


def deadline_states(
    now: Any, deadline: Any = TicketDeadline
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Met (on time), breached (late, or due and not met) and running, at ``now``."""
    return clock_states(now, deadline.due_at, deadline.met_at)


def clock_states(
    now: Any, due_at: Any, met_at: Any
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """:func:`deadline_states` of a clock given by its two columns (``report_tickets``
    keeps both clocks of a ticket in one row)."""
    met = and_(met_at.is_not(None), met_at <= due_at)
    breached = or_(met_at > due_at, and_(met_at.is_(None), due_at <= now))
    running = and_(met_at.is_(None), due_at > now)
    return met, breached, running


def clock_bounds(clock: Any, bounds: tuple[int | None, int | None]) -> list[ColumnElement[bool]]:
    """The ids of the tickets a report reads, lowest and highest, as a bound on their clocks.

    It changes no figure (a ticket's clock carries its ticket's id), but it lets the
    database read the period's clocks by ``(ticket_id, target)`` instead of all 2,000,000
    of them: ids grow with ``created_at``, so a month's clocks are one stretch of that
    index, and the planner, given the bounds as literals, estimates the stretch right. A
    month at 1,000,000 tickets: two bitmap scans of 81,000 rows instead of two sequential
    scans of the table (docs/benchmarks.md). No tickets: no bound (nothing is joined)."""
    low, high = bounds
    if low is None or high is None:
        return []
    return [clock.ticket_id >= low, clock.ticket_id <= high]


def backlog_condition(end: Any, tickets: Any = Ticket) -> ColumnElement[bool]:
    """Opened before ``end`` and neither resolved nor closed by then (``tickets``: the
    table or its narrow copy, ``ReportTicket``)."""
    return and_(
        tickets.created_at < end,
        or_(tickets.resolved_at.is_(None), tickets.resolved_at >= end),
        or_(tickets.closed_at.is_(None), tickets.closed_at >= end),
    )


def _at(moment: datetime) -> Any:
    """A moment as a bound parameter of the right type on either database."""
    return literal(moment, UTCDateTime())


def total(parts: Sequence[Compliance]) -> Compliance:
    return Compliance(
        sum(p.met for p in parts), sum(p.breached for p in parts), sum(p.running for p in parts)
    )


def _compliance(sums: Sequence[int], target: int) -> Compliance:
    """The ``target``-th (met, breached, running) of a row of sums."""
    return Compliance(*(int(v) for v in sums[3 * target : 3 * target + 3]))


def _fractions(values: Sequence[float] | None) -> tuple[float | None, float | None]:
    """``percentile_disc(ARRAY[…])`` gives NULL when no value was aggregated."""
    if values is None:
        return (None, None)
    return (_float(values[0]), _float(values[1]))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _pair(values: tuple[float | None, ...] | None) -> tuple[float | None, float | None]:
    return (values[0], values[1]) if values else (None, None)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
