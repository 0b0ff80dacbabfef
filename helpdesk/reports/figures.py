"""The figures of the SLA report, each one SQL aggregate: never a ticket loaded into Python.

``Figures`` holds the queries of one report (its period, conditions and moment); the
values they return are the small types above it. Definitions (what "met" or
"backlog" means) are written for people in ``labels.DEFINITIONS``; the SQL here is their
one spelling. ``queries.build_report`` puts them together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.accounts.models import CollectionAccount
from helpdesk.db import UTCDateTime
from helpdesk.holds.models import Hold, TicketOutcome
from helpdesk.queues.models import Queue
from helpdesk.reminders.models import ReminderDispatch
from helpdesk.reports.scope import Period
from helpdesk.reports.sql import day_bucket, local_days, percentiles, seconds_between
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
        self,
        session: Session,
        period: Period,
        conditions: Sequence[ColumnElement[bool]],
        now: datetime,
    ) -> None:
        self.session, self.period, self.conditions = session, period, list(conditions)
        self.start, self.end = _at(period.start_at), _at(period.end_at)
        self.moment, self.now = now, _at(now)
        # The backlog and open holds are counted when the period ends, or now if sooner.
        self.as_of_moment = min(period.end_at, now)
        self.as_of = _at(self.as_of_moment)

    # --- counts -----------------------------------------------------------------------
    def opened_in(self) -> ColumnElement[bool]:
        return and_(Ticket.created_at >= self.start, Ticket.created_at < self.end)

    def resolved_in(self) -> ColumnElement[bool]:
        return and_(Ticket.resolved_at >= self.start, Ticket.resolved_at < self.end)

    def open_at_end(self) -> ColumnElement[bool]:
        return backlog_condition(self.as_of)

    def totals(self) -> tuple[int, int, int]:
        count = self._count
        return count(self.opened_in()), count(self.resolved_in()), count(self.open_at_end())

    def _count(self, condition: ColumnElement[bool]) -> int:
        statement = select(func.count()).select_from(Ticket).where(condition, *self.conditions)
        return int(self.session.scalar(statement) or 0)

    # --- SLA --------------------------------------------------------------------------
    def _state_sums(self) -> list[Any]:
        met, breached, running = deadline_states(self.now)
        return [
            func.sum(case((met, 1), else_=0)),
            func.sum(case((breached, 1), else_=0)),
            func.sum(case((running, 1), else_=0)),
        ]

    def _deadlines(self, *columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(TicketDeadline)
            .join(Ticket, Ticket.id == TicketDeadline.ticket_id)
            .where(TicketDeadline.target.in_(TARGETS), self.opened_in(), *self.conditions)
        )

    def compliance(self) -> dict[str, Compliance]:
        statement = self._deadlines(TicketDeadline.target, *self._state_sums()).group_by(
            TicketDeadline.target
        )
        found = {
            row[0]: Compliance(*(int(v or 0) for v in row[1:])) for row in self._rows(statement)
        }
        return {target: found.get(target, Compliance()) for target in TARGETS}

    def times(self) -> dict[str, tuple[float | None, float | None]]:
        found = percentiles(
            self.session,
            TicketDeadline.used_minutes,
            [
                TicketDeadline.met_at.is_not(None),
                TicketDeadline.target.in_(TARGETS),
                self.opened_in(),
                *self.conditions,
            ],
            group=TicketDeadline.target,
            join=TicketDeadline.__table__.join(Ticket, Ticket.id == TicketDeadline.ticket_id),
        )
        return {target: _pair(found.get(target)) for target in TARGETS}

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
            Breach(row[0], row[1], row[2], row[3], _aware(row[4]), _aware(row[5]), row[6])
            for row in self._rows(statement)
        ]

    # --- backlog ----------------------------------------------------------------------
    def backlog_ages(self) -> list[tuple[str, int]]:
        bounds = [(key, self.as_of_moment - timedelta(days=days)) for key, days in AGE_BUCKETS]
        # newest first: a ticket younger than 1 day falls in "0-1", and so on
        ordered = [
            (Ticket.created_at > _at(bounds[i + 1][1]), literal(bounds[i][0]))
            for i in range(len(bounds) - 1)
        ]
        bucket = case(*ordered, else_=literal(AGE_BUCKETS[-1][0])).label("bucket")
        aged = select(bucket).select_from(Ticket).where(self.open_at_end(), *self.conditions)
        inner = aged.subquery()  # grouped outside: PostgreSQL will not group by parameters
        statement = select(inner.c.bucket, func.count()).group_by(inner.c.bucket)
        found = {row[0]: int(row[1]) for row in self._rows(statement)}
        return [(key, found.get(key, 0)) for key, _ in AGE_BUCKETS]

    # --- disputes and holds -------------------------------------------------------------
    def outcomes(self) -> tuple[list[tuple[str, dict[str, int]]], list[tuple[str, dict[str, int]]]]:
        recorded = and_(
            TicketOutcome.recorded_at >= self.start, TicketOutcome.recorded_at < self.end
        )
        base = (
            select()
            .select_from(TicketOutcome)
            .join(Ticket, Ticket.id == TicketOutcome.ticket_id)
            .where(recorded, *self.conditions)
        )
        by_type = base.add_columns(Ticket.type, TicketOutcome.outcome, func.count()).group_by(
            Ticket.type, TicketOutcome.outcome
        )
        by_creditor = (
            base.add_columns(CollectionAccount.creditor, TicketOutcome.outcome, func.count())
            .join(ticket_accounts, ticket_accounts.c.ticket_id == Ticket.id)
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

    def _holds(self) -> Any:
        return Hold.__table__.join(Ticket, Ticket.id == Hold.ticket_id)

    def hold_durations(self) -> tuple[int, tuple[float | None, float | None]]:
        ended = [Hold.closed_at >= self.start, Hold.closed_at < self.end, *self.conditions]
        count = self.session.scalar(select(func.count()).select_from(self._holds()).where(*ended))
        paused = (
            seconds_between(
                self.session, Hold.opened_at, func.coalesce(Hold.resume_at, Hold.closed_at)
            )
            / 86400.0
        )
        found = percentiles(self.session, paused, ended, join=self._holds())
        p50, p90 = _pair(found.get(None))
        return int(count or 0), (_round(p50), _round(p90))

    def longest_holds(self) -> list[OpenHold]:
        still_open = or_(Hold.closed_at.is_(None), Hold.closed_at >= self.as_of)
        statement = (
            select(
                Ticket.folio, CollectionAccount.number, CollectionAccount.creditor, Hold.opened_at
            )
            .select_from(self._holds())
            .join(CollectionAccount, CollectionAccount.id == Hold.account_id)
            .where(Hold.opened_at < self.as_of, still_open, *self.conditions)
            .order_by(Hold.opened_at, Ticket.folio)
            .limit(LONGEST_HOLDS_SHOWN)
        )
        until = self.as_of_moment
        return [
            OpenHold(f, n, c, _aware(at), round((until - _aware(at)).total_seconds() / 86400, 1))
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
                self._account_in_scope(),
            )
        )
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
            .select_from(Ticket)
            .outerjoin(ticket_tags, ticket_tags.c.ticket_id == Ticket.id)
            .where(Ticket.type == TicketType.COMPLAINT.value, self.opened_in(), *self.conditions)
            .group_by(cause)
        )
        rows = [(str(tag), int(count)) for tag, count in self._rows(statement)]
        return sorted(rows, key=lambda row: (-row[1], row[0] == "", row[0]))

    # --- over time and per group -------------------------------------------------------
    def days(self) -> list[Day]:
        zone = self.period.tz
        opened = self._per_day(Ticket.created_at, self.opened_in())
        resolved = self._per_day(Ticket.resolved_at, self.resolved_in())
        bucket = day_bucket(self.session, Ticket.created_at, self.period.zone)
        statement = self._deadlines(TicketDeadline.target, bucket, *self._state_sums()).group_by(
            TicketDeadline.target, bucket
        )
        sla = local_days(self._rows(statement), zone, key_index=1)
        return [
            Day(
                day,
                opened.get(day, 0),
                resolved.get(day, 0),
                {t: Compliance(*sla.get((t, day), (0, 0, 0))) for t in TARGETS},
            )
            for day in self.period.days
        ]

    def _per_day(self, column: Any, condition: ColumnElement[bool]) -> dict[date, int]:
        bucket = day_bucket(self.session, column, self.period.zone)
        statement = (
            select(bucket, func.count())
            .select_from(Ticket)
            .where(condition, *self.conditions)
            .group_by(bucket)
        )
        return {
            key[0]: sums[0]
            for key, sums in local_days(self._rows(statement), self.period.tz).items()
        }

    def groups(self, column: Any, names: dict[int | None, str]) -> list[GroupRow]:
        rows: dict[int | None, GroupRow] = {}

        def row(key: int | None) -> GroupRow:
            if key not in rows:
                rows[key] = GroupRow(key, names.get(key, "—"), daily=[0] * len(self.period.days))
            return rows[key]

        for condition, attribute in (
            (self.opened_in(), "opened"),
            (self.resolved_in(), "resolved"),
            (self.open_at_end(), "backlog"),
        ):
            statement = (
                select(column, func.count())
                .select_from(Ticket)
                .where(condition, *self.conditions)
                .group_by(column)
            )
            for key, count in self._rows(statement):
                setattr(row(key), attribute, int(count))
        statement = self._deadlines(column, TicketDeadline.target, *self._state_sums()).group_by(
            column, TicketDeadline.target
        )
        for key, target, *sums in self._rows(statement):
            row(key).sla[target] = Compliance(*(int(v or 0) for v in sums))
        self._group_medians(column, row)
        self._group_daily(column, row)
        return sorted(rows.values(), key=lambda r: (-r.opened, -r.backlog, r.name))

    def _group_medians(self, column: Any, row: Any) -> None:
        join = TicketDeadline.__table__.join(Ticket, Ticket.id == TicketDeadline.ticket_id)
        for target, attribute in zip(
            TARGETS, ("first_response_median", "resolution_median"), strict=True
        ):
            found = percentiles(
                self.session,
                TicketDeadline.used_minutes,
                [
                    TicketDeadline.target == target,
                    TicketDeadline.met_at.is_not(None),
                    self.opened_in(),
                    *self.conditions,
                ],
                group=column,
                fractions=(0.5,),
                join=join,
            )
            for key, (median,) in found.items():
                setattr(row(key), attribute, median)

    def _group_daily(self, column: Any, row: Any) -> None:
        bucket = day_bucket(self.session, Ticket.created_at, self.period.zone)
        statement = (
            select(column, bucket, func.count())
            .select_from(Ticket)
            .where(self.opened_in(), *self.conditions)
            .group_by(column, bucket)
        )
        index = {day: n for n, day in enumerate(self.period.days)}
        for (key, day), (count,) in local_days(
            self._rows(statement), self.period.tz, key_index=1
        ).items():
            if day in index:
                row(key).daily[index[day]] += count

    # --- plumbing ---------------------------------------------------------------------
    def _rows(self, statement: Any) -> list[Any]:
        return list(self.session.execute(statement))


def deadline_states(
    now: Any, deadline: Any = TicketDeadline
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Met (on time), breached (late, or due and not met) and running, at ``now``."""
    met = and_(deadline.met_at.is_not(None), deadline.met_at <= deadline.due_at)
    breached = or_(
        deadline.met_at > deadline.due_at,
        and_(deadline.met_at.is_(None), deadline.due_at <= now),
    )
    running = and_(deadline.met_at.is_(None), deadline.due_at > now)
    return met, breached, running


def backlog_condition(end: Any) -> ColumnElement[bool]:
    """Opened before ``end`` and neither resolved nor closed by then."""
    return and_(
        Ticket.created_at < end,
        or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= end),
        or_(Ticket.closed_at.is_(None), Ticket.closed_at >= end),
    )


def _at(moment: datetime) -> Any:
    """A moment as a bound parameter of the right type on either database."""
    return literal(moment, UTCDateTime())


def total(parts: Sequence[Compliance]) -> Compliance:
    return Compliance(
        sum(p.met for p in parts), sum(p.breached for p in parts), sum(p.running for p in parts)
    )


def _pair(values: tuple[float | None, ...] | None) -> tuple[float | None, float | None]:
    return (values[0], values[1]) if values else (None, None)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
