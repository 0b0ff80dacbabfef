"""``helpdesk dunning run-due``: the payment reminders that are due, by hand.

The command group keeps its historical name, ``dunning``, as the cron entry
``dunning.run_due`` does: both are what operators type and schedule.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.reminders.dispatcher import DispatchReport, run_due


@click.group("dunning")
def dunning_group() -> None:
    """Payment reminders."""


@dunning_group.command("run-due")
@click.option(
    "--now",
    "moment",
    default=None,
    metavar="ISO8601",
    help="Act as if it were this moment (default: now); without a zone it is UTC.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def run_due_command(moment: str | None, as_json: bool) -> None:
    """Send the due reminders; print what was sent, deferred and skipped, and why."""
    now = _parse_now(moment) if moment else clock.now()
    report = run_due(db.session, config=current_app.config, now=now)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print_table(report)


def _parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now {value!r} is not an ISO 8601 moment (e.g. 2026-11-23T16:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _print_table(report: DispatchReport) -> None:
    rows = [("sent", r["account"], r["step"], r["channel"]) for r in report.sent]
    rows += [
        ("deferred", r["account"], r["step"], f"{r['reason']} until {r['until']}")
        for r in report.deferred
    ]
    rows += [("skipped", r["account"], r["step"], r["reason"]) for r in report.skipped]
    if not rows:
        click.echo("no reminders due")
        return
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    for row in rows:
        cells = [str(value).ljust(width) for value, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[3]]))
    click.echo(
        f"{len(report.sent)} sent, {len(report.deferred)} deferred, {len(report.skipped)} skipped"
    )


reminder_commands: list[click.Command] = [dunning_group]
