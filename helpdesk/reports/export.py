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
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from helpdesk.reports import labels
from helpdesk.reports.figures import OUTCOMES, TARGETS, Compliance, GroupRow
from helpdesk.reports.queries import Report
from helpdesk.reports.rows import TicketRow
from helpdesk.tickets.vocabulary import label

BOM = "\ufeff"
TABLES = ("summary", "timeline", "queues", "agents", "breaches", "outcomes", "holds")
_BATCH = 500


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
        "csat": None,
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
    buffer.write(BOM)
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else v for v in row])
        if n % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ticket_csv(rows: Iterable[TicketRow], zone: Any) -> Iterator[str]:
    """The ticket-level rows behind a figure."""

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat()

    # Translated once per value and file, not per cell: a gettext lookup costs more than
    # the rest of a row (the locale cannot change while one file is written).
    slug, state = functools.cache(label), functools.cache(_state)
    outcome = functools.cache(_outcome)

    header = [
        str(h)
        for h in (
            labels.COLUMNS["folio"],
            labels.COLUMNS["subject"],
            labels.COLUMNS["type"],
            labels.COLUMNS["channel"],
            labels.COLUMNS["status"],
            labels.COLUMNS["priority"],
            labels.COLUMNS["queue"],
            labels.COLUMNS["assignee"],
            labels.COLUMNS["created_at"],
            labels.COLUMNS["resolved_at"],
            labels.COLUMNS["first_response_due"],
            labels.COLUMNS["first_response_at"],
            labels.COLUMNS["first_response_state"],
            labels.COLUMNS["first_response_minutes"],
            labels.COLUMNS["resolution_due"],
            labels.COLUMNS["resolution_at"],
            labels.COLUMNS["resolution_state"],
            labels.COLUMNS["resolution_minutes"],
            labels.COLUMNS["outcome"],
        )
    ]
    body = (
        (
            r.folio,
            r.subject,
            slug(r.type),
            slug(r.channel),
            slug(r.status),
            slug(r.priority),
            r.queue,
            r.assignee,
            when(r.created_at),
            when(r.resolved_at),
            when(r.first_response_due),
            when(r.first_response_met),
            state(r.state("first_response")),
            _minutes(r.first_response_minutes),
            when(r.resolution_due),
            when(r.resolution_met),
            state(r.state("resolution")),
            _minutes(r.resolution_minutes),
            outcome(r.outcome),
        )
        for r in rows
    )
    return stream_csv(header, body)


def _outcome(outcome: str | None) -> str | None:
    return str(labels.OUTCOMES[outcome]) if outcome in labels.OUTCOMES else outcome


def _state(state: str | None) -> str | None:
    return None if state is None else str(labels.STATES[state])


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
