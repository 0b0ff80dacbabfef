"""The tickets behind a figure: the drill-down list and the ticket-level CSV.

A figure's name (``opened``, ``resolved``, ``backlog``, ``first_response.breached``…)
picks the same condition :mod:`queries` counted with, so the list under a figure always
has as many rows as the figure says.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.holds.models import TicketOutcome
from helpdesk.queues.models import Queue
from helpdesk.reports.figures import STATES, TARGETS, Figures, clock_bounds, deadline_states
from helpdesk.reports.scope import Filters, Period, ReportError, Scope
from helpdesk.reports.sql import (
    as_utc,
    copy_csv,
    csv_number,
    csv_text,
    iso_time,
    report_planner,
)
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

METRICS = ("opened", "resolved", "backlog", *(f"{t}.{s}" for t in TARGETS for s in STATES))
STREAM_BATCH = 2000
# What the CSV writes for each value of a labelled column, in the file's locale:
# {"type" | "channel" | "status" | "priority" | "state" | "outcome": {value: words}}
# (``export.ticket_words``); a value missing from its column's map is written as it is.
Words = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class TicketRow:
    folio: str
    subject: str
    type: str
    channel: str
    status: str
    priority: str
    queue: str | None
    assignee: str | None
    created_at: datetime
    resolved_at: datetime | None
    first_response_due: datetime | None
    first_response_met: datetime | None
    first_response_minutes: float | None
    resolution_due: datetime | None
    resolution_met: datetime | None
    resolution_minutes: float | None
    outcome: str | None
    now: datetime

    def state(self, target: str) -> str | None:
        due, met = getattr(self, f"{target}_due"), getattr(self, f"{target}_met")
        if due is None:
            return None
        if met is not None:
            return "met" if met <= due else "breached"
        return "breached" if due <= self.now else "running"


def tickets_behind(
    session: Session,
    period: Period,
    filters: Filters,
    scope: Scope,
    *,
    metric: str,
    now: datetime,
    limit: int | None = None,
) -> Iterator[TicketRow]:
    """The tickets a figure counts, oldest first, streamed in batches."""
    statement = _statement(session, period, filters, scope, metric=metric, now=now)
    if limit is not None:
        statement = statement.limit(limit)
    result = session.execute(statement.execution_options(yield_per=STREAM_BATCH))
    for row in result:
        yield TicketRow(*(as_utc(value) for value in row), now=now)


def ticket_table(
    session: Session,
    period: Period,
    filters: Filters,
    scope: Scope,
    *,
    metric: str,
    now: datetime,
) -> Iterator[Sequence[Any]]:
    """The rows of :func:`tickets_behind` as plain tuples in the CSV's column order (each
    clock's state after its times and before its minutes), for ``export.ticket_csv``.

    A year of tickets is hundreds of thousands of rows: no :class:`TicketRow` nor
    ``UTCDateTime`` conversion per value, and on PostgreSQL the times come back as the
    text the CSV writes (building a datetime and formatting it again cost more than
    the rest of the row)."""
    with report_planner(session, zone=period.zone):
        statement = _statement(session, period, filters, scope, metric=metric, now=now, raw=True)
        # Core, not the ORM session's execute: rows as they come, no entity loading.
        result = session.connection().execute(statement.execution_options(yield_per=STREAM_BATCH))
        for part in result.partitions():
            yield from part


def ticket_lines(
    session: Session,
    period: Period,
    filters: Filters,
    scope: Scope,
    *,
    metric: str,
    now: datetime,
    words: Words,
) -> Iterator[bytes]:
    """PostgreSQL only: the CSV lines of :func:`ticket_table` as the server writes them
    (``COPY``, one ``\\n``-terminated line per row), with the labels spelled in SQL from
    ``words``: the same text ``export.ticket_csv`` writes for the same rows, without a
    row passing through Python (docs/benchmarks.md, "SLA reports")."""
    with report_planner(session, zone=period.zone):
        statement = _statement(
            session, period, filters, scope, metric=metric, now=now, raw=True, words=words
        )
        yield from copy_csv(session, statement)


def count_behind(
    session: Session, period: Period, filters: Filters, scope: Scope, *, metric: str, now: datetime
) -> int:
    inner = _statement(session, period, filters, scope, metric=metric, now=now).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def _statement(
    session: Session,
    period: Period,
    filters: Filters,
    scope: Scope,
    *,
    metric: str,
    now: datetime,
    raw: bool = False,
    words: Words | None = None,
) -> Select[Any]:
    if metric not in METRICS:
        raise ReportError("unknown_metric")
    figures = Figures(session, period, filters, scope, now)
    first, resolution = aliased(TicketDeadline), aliased(TicketDeadline)
    # The CSV of a figure may be a year of tickets: its clocks are read by a range of
    # ticket ids (see figures.clock_bounds). One more query, not worth it for 100 rows.
    ids = figures.id_bounds(_tickets_of(figures, metric)) if raw else (None, None)

    def bounds(clock: Any) -> list[ColumnElement[bool]]:
        return clock_bounds(clock, ids)

    if raw:
        columns = _csv_columns(session, figures, first, resolution)
        if words is not None:
            columns = _as_csv_text(columns, words)
    else:
        columns = [
            *_LEADING,
            Ticket.created_at,
            Ticket.resolved_at,
            first.due_at,
            first.met_at,
            first.used_minutes,
            resolution.due_at,
            resolution.met_at,
            resolution.used_minutes,
            TicketOutcome.outcome,
        ]
    statement = (
        select(*columns)
        .select_from(Ticket)
        .outerjoin(Queue, Queue.id == Ticket.queue_id)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .outerjoin(
            first, and_(first.ticket_id == Ticket.id, first.target == TARGETS[0], *bounds(first))
        )
        .outerjoin(
            resolution,
            and_(
                resolution.ticket_id == Ticket.id,
                resolution.target == TARGETS[1],
                *bounds(resolution),
            ),
        )
        .outerjoin(TicketOutcome, TicketOutcome.ticket_id == Ticket.id)
        .where(*figures.conditions, _condition(figures, metric, first, resolution))
        .order_by(Ticket.created_at, Ticket.id)
    )
    return statement


_LEADING = (
    Ticket.folio,
    Ticket.subject,
    Ticket.type,
    Ticket.channel,
    Ticket.status,
    Ticket.priority,
    Queue.name,
    User.name,
)


def _csv_columns(session: Session, figures: Figures, first: Any, resolution: Any) -> list[Any]:
    """The CSV's columns in its order: each clock's state worked out in SQL, the times as
    ISO 8601 text in the report's zone on PostgreSQL (see ``sql.iso_time``; SQLite
    returns naive UTC datetimes, which ``export.ticket_csv`` formats)."""
    columns: list[Any] = [*_LEADING]
    at = functools.partial(iso_time, session)
    columns += [at(Ticket.created_at), at(Ticket.resolved_at)]
    for clock in (first, resolution):
        met, breached, running = deadline_states(figures.now, clock)
        state = case((met, "met"), (breached, "breached"), (running, "running"))
        columns += [at(clock.due_at), at(clock.met_at), state, clock.used_minutes]
    return [*columns, TicketOutcome.outcome]


# What each column of _csv_columns becomes in the server-written CSV: None keeps it.
_CSV_TEXT = (
    "text",  # folio
    "text",  # subject
    "type",
    "channel",
    "status",
    "priority",
    "text",  # queue
    "text",  # assignee
    *(None, None),  # created, resolved: ISO text already, never empty
    *(None, None, "state", "number"),  # first response: due, met, state, minutes
    *(None, None, "state", "number"),  # resolution
    "outcome",
)


def _as_csv_text(columns: list[Any], words: Words) -> list[Any]:
    """The columns as the text ``export.ticket_csv`` writes for them: labels from
    ``words`` (bound values in a ``CASE``), minutes to the tenth, no empty strings."""
    spelled = []
    for column, kind in zip(columns, _CSV_TEXT, strict=True):
        if kind == "number":
            column = csv_number(column)
        elif kind == "text":
            column = csv_text(column)
        elif kind is not None and words[kind]:
            column = csv_text(case(dict(words[kind]), value=column, else_=column))
        spelled.append(column)
    return spelled


def _tickets_of(figures: Figures, metric: str) -> ColumnElement[bool]:
    """Which tickets a figure reads (for a clock's state: the ones opened in the period)."""
    if metric in ("resolved", "backlog"):
        return _condition(figures, metric, None, None)
    return figures.opened_in()


def _condition(figures: Figures, metric: str, first: Any, resolution: Any) -> ColumnElement[bool]:
    if metric == "opened":
        return figures.opened_in()
    if metric == "resolved":
        return figures.resolved_in()
    if metric == "backlog":
        return figures.open_at_end()
    target, state = metric.split(".")
    deadline = first if target == TARGETS[0] else resolution
    states = dict(zip(STATES, deadline_states(figures.now, deadline), strict=True))
    return and_(figures.opened_in(), states[state])
