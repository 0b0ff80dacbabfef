"""The report as JSON and as CSV: the same figures the dashboard and the PDF show.

JSON is for machines (stable keys, minutes, ISO times with the report's zone offset). CSV
is for people opening it in a spreadsheet: UTF-8 with a byte-order mark, so Excel on
Windows reads "Aclaración" right; translated headers; streamed a batch of rows at a time,
so a year of tickets never sits in memory and there is no row cap.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.reports import labels
from helpdesk.reports.figures import OUTCOMES, STATES, TARGETS, Compliance, GroupRow
from helpdesk.reports.queries import Report
from helpdesk.reports.rows import Words, ticket_lines, ticket_table
from helpdesk.reports.scope import Filters, Period, Scope
from helpdesk.reports.sql import is_postgres
from helpdesk.tickets.vocabulary import Channel, Priority, Status, TicketType, label

BOM = "\ufeff"
TABLES = ("summary", "timeline", "queues", "agents", "breaches", "outcomes", "holds")
# Streamed from the database like the ticket rows, not from the built report.
RATINGS_TABLE = "ratings"
_BATCH = 500
_TENTH = Decimal("0.1")


def report_json(report: Report) -> dict[str, Any]:
    when = _clock(report)
    return {
        "period": {
            "from": report.period.start.isoformat(),
            "to": report.period.end.isoformat(),
            "time_zone": report.period.zone,
        },
        "filters": report.filters.as_dict(),
        "scope": report.scope.label,
        "generated_at": when(report.generated_at),
        "totals": {"opened": report.opened, "resolved": report.resolved, "backlog": report.backlog},
        "sla": {t: _compliance(report.sla[t]) for t in TARGETS},
        "times_minutes": {
            t: {"median": report.times[t][0], "p90": report.times[t][1]} for t in TARGETS
        },
        "breaches": [
            {
                "folio": b.folio,
                "subject": b.subject,
                "queue": b.queue,
                "target": b.target,
                "due_at": when(b.due_at),
                "met_at": when(b.met_at),
                "held_by": b.held_by,
            }
            for b in report.breaches
        ],
        "backlog_ages": dict(report.backlog_ages),
        "outcomes_by_type": [{"type": k, **v} for k, v in report.outcomes_by_type],
        "outcomes_by_creditor": [{"creditor": k, **v} for k, v in report.outcomes_by_creditor],
        "holds": {
            "ended": report.holds_ended,
            "paused_days_median": report.hold_days[0],
            "paused_days_p90": report.hold_days[1],
            "reminders_skipped": report.reminders_skipped,
            "longest_open": [
                {
                    "folio": h.folio,
                    "account": h.account,
                    "creditor": h.creditor,
                    "opened_at": when(h.opened_at),
                    "days": h.days,
                }
                for h in report.longest_holds
            ],
        },
        "complaints_by_cause": [{"cause": c, "count": n} for c, n in report.complaints_by_cause],
        "csat": {
            "count": report.csat.count,
            "average": report.csat.average,
            "distribution": {str(k): v for k, v in report.csat.distribution.items()},
        },
        "timeline": [
            {
                "start": d.day.isoformat(),
                "opened": d.opened,
                "resolved": d.resolved,
                **{f"{t}_met_percent": d.sla[t].met_percent for t in TARGETS},
            }
            for d in report.timeline()
        ],
        "queues": [_group(row) for row in report.queues],
        "agents": [_group(row) for row in report.agents],
    }


def _compliance(c: Compliance) -> dict[str, Any]:
    return {
        "met": c.met,
        "breached": c.breached,
        "running": c.running,
        "met_percent": c.met_percent,
    }


def _group(row: GroupRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "opened": row.opened,
        "resolved": row.resolved,
        "backlog": row.backlog,
        **{f"{t}_met_percent": row.sla.get(t, Compliance()).met_percent for t in TARGETS},
        "first_response_median_minutes": row.first_response_median,
        "resolution_median_minutes": row.resolution_median,
    }


def _clock(report: Report) -> Callable[[datetime | None], str | None]:
    zone = report.period.tz

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat()

    return when


# --- CSV ------------------------------------------------------------------------------


def csv_table(report: Report, table: str) -> Iterator[str]:
    """One table of the dashboard as CSV text, BOM first."""
    header, rows = _TABLES[table](report)
    return stream_csv(header, rows)


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(_head(header))
    # The csv module writes None as an empty field itself.
    rows = iter(rows)
    while batch := list(itertools.islice(rows, _BATCH)):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _head(header: Sequence[str]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer).writerow(header)
    return buffer.getvalue()


def ticket_file(
    session: Session,
    period: Period,
    filters: Filters,
    scope: Scope,
    *,
    metric: str,
    now: datetime,
) -> Iterator[str]:
    """The ticket-level CSV behind a figure. PostgreSQL writes the rows itself
    (``rows.ticket_lines``, several times faster); SQLite's go through :func:`ticket_csv`,
    which defines what a row says: both give the same bytes (tests/reports)."""
    if is_postgres(session):
        lines = ticket_lines(
            session, period, filters, scope, metric=metric, now=now, words=ticket_words()
        )
        return copied_csv(_ticket_header(), lines)
    rows = ticket_table(session, period, filters, scope, metric=metric, now=now)
    return ticket_csv(rows, period.tz)


def ticket_words() -> Words:
    """What :func:`ticket_csv` writes for every known value of its labelled columns, in
    the current locale, for the server to spell the same (``rows.ticket_lines``)."""

    def slugs(*kinds: type[Any]) -> dict[str, str]:
        return {member.value: label(member.value) for kind in kinds for member in kind}

    return {
        "type": slugs(TicketType),
        "channel": slugs(Channel),
        "status": slugs(Status),
        "priority": slugs(Priority),
        "state": {state: str(_state(state)) for state in STATES},
        "outcome": {outcome: str(_outcome(outcome)) for outcome in labels.OUTCOMES},
    }


def copied_csv(header: Sequence[str], lines: Iterable[bytes]) -> Iterator[str]:
    """A CSV whose rows PostgreSQL wrote (``rows.ticket_lines``), as :func:`stream_csv`
    writes one: BOM and header first, lines ending in ``\\r\\n`` like Python's ``csv``
    (COPY ends them in ``\\n``; a line break inside a quoted field is kept as it is, by
    both). A chunk of lines at a time."""
    yield _head(header)
    batch: list[bytes] = []
    for line in lines:
        batch.append(line[:-1])  # one message per row, its "\n" last
        if len(batch) == _BATCH:
            yield _crlf(batch)
            batch.clear()
    if batch:
        yield _crlf(batch)


def _crlf(lines: list[bytes]) -> str:
    return (b"\r\n".join(lines) + b"\r\n").decode()


def ticket_csv(rows: Iterable[Sequence[Any]], zone: Any) -> Iterator[str]:
    """The ticket-level rows behind a figure, from ``rows.ticket_table`` (plain tuples in
    the file's column order; the times already text on PostgreSQL, naive UTC on SQLite).

    Written for a year of tickets: a row is unpacked once, each label translated once per
    file, and the rows go to the writer a batch at a time."""
    # Translated once per value and file, not per cell: a gettext lookup costs more than
    # the rest of a row (the locale cannot change while one file is written).
    slug, state = functools.cache(label), functools.cache(_state)
    outcome_label = functools.cache(_outcome)

    def when(moment: datetime | str | None) -> str | None:
        if moment is None or isinstance(moment, str):
            return moment
        return moment.replace(tzinfo=UTC).astimezone(zone).isoformat()

    def body() -> Iterator[tuple[Any, ...]]:
        for (
            folio,
            subject,
            kind,
            channel,
            status,
            priority,
            queue,
            assignee,
            created_at,
            resolved_at,
            first_due,
            first_met,
            first_state,
            first_minutes,
            resolution_due,
            resolution_met,
            resolution_state,
            resolution_minutes,
            outcome,
        ) in rows:
            yield (
                folio,
                subject,
                slug(kind),
                slug(channel),
                slug(status),
                slug(priority),
                queue,
                assignee,
                when(created_at),
                when(resolved_at),
                when(first_due),
                when(first_met),
                state(first_state),
                _minutes(first_minutes),
                when(resolution_due),
                when(resolution_met),
                state(resolution_state),
                _minutes(resolution_minutes),
                outcome_label(outcome),
            )

    return stream_csv(_ticket_header(), body())


def ratings_csv(rows: Iterable[Sequence[Any]], zone: Any) -> Iterator[str]:
    """The ratings table from ``ratings.queries.rating_rows``: folio, agent, queue, score,
    comment, time (in the report's zone)."""

    def body() -> Iterator[tuple[Any, ...]]:
        for folio, agent, queue, score, comment, created_at in rows:
            yield folio, agent, queue, score, comment, created_at.astimezone(zone).isoformat()

    c = labels.COLUMNS
    header = [str(c[k]) for k in ("folio", "assignee", "queue", "score", "comment", "rated_at")]
    return stream_csv(header, body())


def _ticket_header() -> list[str]:
    return [
        str(labels.COLUMNS[name])
        for name in (
            "folio",
            "subject",
            "type",
            "channel",
            "status",
            "priority",
            "queue",
            "assignee",
            "created_at",
            "resolved_at",
            "first_response_due",
            "first_response_at",
            "first_response_state",
            "first_response_minutes",
            "resolution_due",
            "resolution_at",
            "resolution_state",
            "resolution_minutes",
            "outcome",
        )
    ]


def _outcome(outcome: str | None) -> str | None:
    return str(labels.OUTCOMES[outcome]) if outcome in labels.OUTCOMES else outcome


def _state(state: str | None) -> str | None:
    return None if state is None else str(labels.STATES[state])


def _minutes(value: float | None) -> Decimal | None:
    """Business minutes to the tenth: the float's shortest text (``repr``) rounded half up
    as a decimal, 0.15 → 0.2 (``round(0.15, 1)`` gives 0.1: the float is 0.1499…), which
    is what PostgreSQL's ``round(numeric)`` does to the same text (``sql.csv_number``)."""
    return None if value is None else Decimal(repr(value)).quantize(_TENTH, ROUND_HALF_UP)


def _summary(report: Report) -> tuple[list[str], list[list[Any]]]:
    c = labels.COLUMNS
    rows: list[list[Any]] = [
        [str(c["opened"]), report.opened],
        [str(c["resolved"]), report.resolved],
        [str(c["backlog"]), report.backlog],
    ]
    for t in TARGETS:
        name, sla = labels.TARGETS[t], report.sla[t]
        rows += [
            [f"{name} · {labels.STATES['met']}", sla.met],
            [f"{name} · {labels.STATES['breached']}", sla.breached],
            [f"{name} · {labels.STATES['running']}", sla.running],
            [f"{name} · % {labels.STATES['met']}", sla.met_percent],
            [f"{name} · {c['median_minutes']}", report.times[t][0]],
            [f"{name} · {c['p90_minutes']}", report.times[t][1]],
        ]
    rows += [
        [str(c["holds_ended"]), report.holds_ended],
        [str(c["paused_median_days"]), report.hold_days[0]],
        [str(c["paused_p90_days"]), report.hold_days[1]],
        [str(c["reminders_skipped"]), report.reminders_skipped],
    ]
    rows += [[f"{c['backlog_age']} · {labels.AGES[k]}", n] for k, n in report.backlog_ages]
    rows += [
        [str(c["ratings"]), report.csat.count],
        [str(c["rating_average"]), report.csat.average],
    ]
    rows += [[f"{c['ratings']} · {score}", n] for score, n in report.csat.distribution.items()]
    return [str(c["figure"]), str(c["value"])], rows


def _timeline(report: Report) -> tuple[list[str], list[list[Any]]]:
    c = labels.COLUMNS
    header = [str(c["day"]), str(c["opened"]), str(c["resolved"])] + [
        f"{labels.TARGETS[t]} · % {labels.STATES['met']}" for t in TARGETS
    ]
    rows = [
        [d.day.isoformat(), d.opened, d.resolved, *(d.sla[t].met_percent for t in TARGETS)]
        for d in report.timeline()
    ]
    return header, rows


def _groups(attribute: str, first: str) -> Callable[[Report], tuple[list[str], list[list[Any]]]]:
    def table(report: Report) -> tuple[list[str], list[list[Any]]]:
        c = labels.COLUMNS
        header = [str(c[first]), str(c["opened"]), str(c["resolved"]), str(c["backlog"])]
        header += [f"{labels.TARGETS[t]} · % {labels.STATES['met']}" for t in TARGETS]
        header += [f"{labels.TARGETS[t]} · {c['median_minutes']}" for t in TARGETS]
        rows = [
            [r.name, r.opened, r.resolved, r.backlog]
            + [r.sla.get(t, Compliance()).met_percent for t in TARGETS]
            + [r.first_response_median, r.resolution_median]
            for r in getattr(report, attribute)
        ]
        return header, rows

    return table


def _breaches(report: Report) -> tuple[list[str], list[list[Any]]]:
    c, zone = labels.COLUMNS, report.period.tz
    header = [str(c[k]) for k in ("folio", "subject", "queue", "target", "due", "met", "held_by")]
    rows = [
        [
            b.folio,
            b.subject,
            b.queue,
            str(labels.TARGETS[b.target]),
            b.due_at.astimezone(zone).isoformat(),
            b.met_at.astimezone(zone).isoformat() if b.met_at else None,
            b.held_by,
        ]
        for b in report.breaches
    ]
    return header, rows


def _outcomes(report: Report) -> tuple[list[str], list[list[Any]]]:
    c = labels.COLUMNS
    header = [str(c["by"]), str(c["group"])] + [str(labels.OUTCOMES[o]) for o in OUTCOMES]
    rows = [
        [str(c["type"]), label(k), *(v[o] for o in OUTCOMES)] for k, v in report.outcomes_by_type
    ]
    rows += [
        [str(c["creditor"]), k, *(v[o] for o in OUTCOMES)] for k, v in report.outcomes_by_creditor
    ]
    return header, rows


def _holds(report: Report) -> tuple[list[str], list[list[Any]]]:
    c, zone = labels.COLUMNS, report.period.tz
    header = [str(c[k]) for k in ("folio", "account", "creditor", "hold_since", "days")]
    rows = [
        [h.folio, h.account, h.creditor, h.opened_at.astimezone(zone).isoformat(), h.days]
        for h in report.longest_holds
    ]
    return header, rows


_TABLES: dict[str, Callable[[Report], tuple[list[str], list[list[Any]]]]] = {
    "summary": _summary,
    "timeline": _timeline,
    "queues": _groups("queues", "queue"),
    "agents": _groups("agents", "assignee"),
    "breaches": _breaches,
    "outcomes": _outcomes,
    "holds": _holds,
}
