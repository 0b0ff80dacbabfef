"""``helpdesk report sla``: the SLA report as JSON, CSV or PDF, run as the operator."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk import clock
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.reports import labels
from helpdesk.reports.document import describe_filters, render_report_pdf
from helpdesk.reports.export import TABLES, csv_table, report_json
from helpdesk.reports.queries import build_report, queue_ids_named
from helpdesk.reports.scope import EVERYTHING, Filters, Period, ReportError, country_codes


@click.group("report", cls=AppGroup)
def report_commands() -> None:
    """Reports for managers."""


@report_commands.command("sla")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (included).")
@click.option("--queue", "queues", multiple=True, help="Queue name or slug; repeat for several.")
@click.option(
    "--country", "countries", multiple=True, help="MX, CO, AR or US (the portfolio's); repeatable."
)
@click.option("--zone", help="IANA time zone of the days (default: HELPDESK_TIMEZONE).")
@click.option(
    "--format", "kind", type=click.Choice(["json", "csv", "pdf"]), default="json", show_default=True
)
@click.option(
    "--table", type=click.Choice(TABLES), default="summary", show_default=True, help="CSV table."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def sla_report_command(
    start: str,
    end: str,
    queues: tuple[str, ...],
    countries: tuple[str, ...],
    zone: str | None,
    kind: str,
    table: str,
    out: Path | None,
) -> None:
    """The SLA report of every queue (or --queue), with the figures of the dashboard."""
    try:
        period = Period(_day(start), _day(end), zone or current_app.config["DEFAULT_TIMEZONE"])
        filters = Filters(
            queue_ids=queue_ids_named(db.session, queues) if queues else (),
            countries=country_codes(countries),
        )
    except ReportError as error:
        reason = str(labels.ERRORS.get(str(error.args[0]), error.args[0]))
        names = ", ".join(error.args[1]) if len(error.args) > 1 else ""
        raise CommandError(f"{reason} {names}".strip()) from None
    report = build_report(db.session, period, filters, EVERYTHING, now=clock.now())
    if kind == "json":
        _write(out, json.dumps(report_json(report), ensure_ascii=False, indent=2).encode() + b"\n")
    elif kind == "csv":
        _write(out, "".join(csv_table(report, table)).encode())
    else:
        pdf = render_report_pdf(
            report,
            filter_names=describe_filters(db.session, filters),
            organisation=current_app.config["AGENCY_NAME"],
        )
        _write(out, pdf)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError("bad_date") from None


def _write(out: Path | None, data: bytes) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error.strerror}") from None
    click.echo(f"{out}: {len(data):,} bytes", err=True)
