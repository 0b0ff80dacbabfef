"""``helpdesk sla``: run the sweep by hand, preview deadlines."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from helpdesk import clock
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.sla.models import Unit


@click.group("sla", cls=AppGroup)
def sla_commands() -> None:
    """SLA deadlines: the sweep and previews."""


@sla_commands.command("sweep")
def sweep_command() -> None:
    """Record warnings and breaches now and escalate (what cron runs every minute)."""
    from helpdesk.sla.jobs import sweep_job

    click.echo(json.dumps(sweep_job(), ensure_ascii=False))


@sla_commands.command("preview")
@click.option("--queue", help="Queue name (or slug).")
@click.option("--priority", default="normal", show_default=True)
@click.option("--type", "ticket_type", default="information", show_default=True)
@click.option(
    "--tag", "tags", multiple=True, help="A tag of the ticket (repeatable): tagged policies."
)
@click.option("--calendar", help="Calendar name, for a bare calendar sum.")
@click.option("--business-minutes", type=int)
@click.option("--business-days", type=int)
@click.option("--calendar-days", type=int)
@click.option("--at", "at_text", help="ISO 8601 with offset (default: now).")
def preview_command(
    queue: str | None,
    priority: str,
    ticket_type: str,
    tags: tuple[str, ...],
    calendar: str | None,
    business_minutes: int | None,
    business_days: int | None,
    calendar_days: int | None,
    at_text: str | None,
) -> None:
    """Print, as JSON, the deadlines a ticket opened --at that moment would get
    (--queue, --priority, --type, --tag), or a bare calendar sum (--calendar with
    --business-minutes, --business-days or --calendar-days)."""
    from helpdesk.sla import preview

    try:
        at = preview.parse_moment(at_text) if at_text else clock.now()
        if (queue is None) == (calendar is None):
            raise click.UsageError("give either --queue or --calendar")
        if queue is not None:
            answer = preview.ticket_deadlines(
                db.session,
                queue=queue,
                priority=priority,
                ticket_type=ticket_type,
                at=at,
                tags=frozenset(tags),
            )
        else:
            amount, unit = _amount(business_minutes, business_days, calendar_days)
            answer = preview.calendar_sum(
                db.session, calendar=calendar or "", at=at, amount=amount, unit=unit
            )
    except preview.PreviewError as error:
        raise CommandError(str(error)) from None
    click.echo(json.dumps(answer, ensure_ascii=False))


def _amount(minutes: int | None, days: int | None, calendar_days: int | None) -> tuple[int, Unit]:
    given = [
        (value, unit)
        for value, unit in (
            (minutes, Unit.BUSINESS_MINUTES),
            (days, Unit.BUSINESS_DAYS),
            (calendar_days, Unit.CALENDAR_DAYS),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise click.UsageError(
            "with --calendar give one of --business-minutes, --business-days, --calendar-days"
        )
    return given[0]


@sla_commands.command("recompute")
@click.option("--all", "everything", is_flag=True, help="Every ticket with deadlines.")
def recompute_command(everything: bool) -> None:
    """Recompute stored deadlines from each ticket's history: by default those met before
    the report figures existed (no ``used_minutes``), with --all every one."""
    from helpdesk.sla.jobs import recompute_deadlines
    from helpdesk.sla.queries import tickets_to_recompute

    ids = tickets_to_recompute(db.session, everything=everything)
    for start in range(0, len(ids), 500):
        recompute_deadlines(ids[start : start + 500])
    click.echo(json.dumps({"recomputed": len(ids)}))
