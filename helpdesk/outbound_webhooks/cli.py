"""``helpdesk webhooks list|replay|run-due``: the delivery log for support and scripts."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.jobs import run_ready_jobs
from helpdesk.outbound_webhooks import delivery, queries


@click.group("webhooks")
def webhooks_group() -> None:
    """Outbound webhooks to the collection system."""


@webhooks_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def list_command(limit: int) -> None:
    """The latest deliveries as JSON lines (no secrets, no bodies)."""
    for row in queries.recent_deliveries(db.session, limit=limit):
        click.echo(
            json.dumps(
                {
                    "event": row.event.event_id,
                    "type": row.event.type,
                    "endpoint": row.endpoint.name,
                    "status": row.status,
                    "attempts": row.attempts,
                    "http_status": row.last_status_code,
                    "error": row.last_error,
                    "next_attempt_at": _iso(row.next_attempt_at),
                    "created_at": _iso(row.created_at),
                }
            )
        )


@webhooks_group.command("replay")
@click.argument("event_id")
@with_appcontext
def replay_command(event_id: str) -> None:
    """Send an event again (same id and body) to every endpoint it went to."""
    rows = queries.deliveries_of_event(db.session, event_id)
    if not rows:
        raise CommandError(f"no webhook event {event_id}")
    for row in rows:
        delivery.replay(db.session, row, actor=Actor.system("cli"), now=clock.now())
    db.session.commit()
    run_ready_jobs(db.session)  # inline mode; with Redis the workers send them
    for row in rows:
        db.session.refresh(row)
        click.echo(f"{row.endpoint.name}: {row.status}")


@webhooks_group.command("run-due")
@with_appcontext
def run_due_command() -> None:
    """Retry the deliveries that are due now (what the webhooks.retry cron job does)."""
    click.echo(f"{delivery.retry_due_job()} due")


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


webhook_commands = [webhooks_group]
