"""The ``helpdesk`` command: administration, data, workers and support tools."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.cli_support import CommandError
from helpdesk.config import ConfigError
from helpdesk.extensions import db
from helpdesk.users.models import Role


def _create_app() -> Any:
    from helpdesk.app import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="Aclara helpdesk: administration and support commands.",
)


def _emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database is at the latest migration")


@cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--locale", default="es_MX", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str, name: str, role: str, locale: str, password_stdin: bool
) -> None:
    """Create a staff user (the password is read, never given as an argument)."""
    from helpdesk.users.services import UserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise CommandError("the passwords do not match")
    else:
        raise click.UsageError("give --password-stdin or run interactively")
    try:
        user = create_user(
            db.session,
            email=email,
            name=name,
            role=role,
            password=password,
            locale=locale,
            actor=Actor.system("cli"),
            now=clock.now(),
        )
    except UserError as error:
        raise CommandError(str(error)) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@cli.command("demo")
def demo_command() -> None:
    """Load Spanish demo data (idempotent) and print the demo logins."""
    from helpdesk.demo import DEMO_PASSWORD, load_demo

    summary = load_demo(db.session, folio_prefix=current_app.config["FOLIO_PREFIX"])
    db.session.commit()
    click.echo(
        f"demo data: {summary.tickets} tickets, {summary.contacts} debtors, "
        f"{summary.queues} queues ({'created' if summary.created else 'already there'})"
    )
    click.echo(f"demo logins (password: {DEMO_PASSWORD}):")
    for email, role in summary.logins:
        click.echo(f"  {role:<10} {email}")


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_command(host: str, port: int) -> None:
    """Development server with inline jobs (no Redis needed)."""
    from werkzeug.serving import run_simple

    from helpdesk.app import create_app

    app = create_app({"REDIS_URL": None})
    # Flask's app.run() refuses to start inside a CLI command; serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@cli.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queues to work (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Start an RQ worker for this app."""
    from helpdesk.jobs import QUEUES, run_worker

    if not current_app.config["REDIS_URL"]:
        raise CommandError("REDIS_URL is not set: without Redis, jobs run inline")
    run_worker(current_app._get_current_object(), list(queues or QUEUES), burst=burst)


@cli.command("cron")
def cron_command() -> None:
    """Start the RQ cron scheduler with the jobs of helpdesk.jobs.CRON_TABLE."""
    from rq.cron import CronScheduler

    from helpdesk.jobs import redis_connection

    connection = redis_connection()
    if connection is None:
        raise CommandError("REDIS_URL is not set")
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file("helpdesk.cron_config")
    scheduler.start()


@cli.group("jobs")
def jobs_group() -> None:
    """Background work kept in the database."""


@jobs_group.command("run-pending")
@click.option(
    "--now",
    "moment",
    default=None,
    metavar="ISO8601",
    help="Act as if it were this moment (default: now); without a zone it is UTC.",
)
def run_pending_command(moment: str | None) -> None:
    """Send every outgoing message still queued past a minute, at most once each, and
    settle sends a crash interrupted (what the delivery.sweep cron job does every
    minute); prints a JSON report. Without Redis run it every minute (cron, a timer)."""
    from datetime import UTC, datetime

    from helpdesk.tickets.delivery import sweep

    now = clock.now()
    if moment:
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            raise CommandError(
                f"--now {moment!r} is not an ISO 8601 moment (e.g. 2026-11-23T16:00:00Z)"
            ) from None
        now = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    with clock.freeze(now):  # the send jobs read the clock too
        report = sweep(db.session, locale=current_app.config["DEFAULT_LOCALE"], now=now)
    db.session.commit()
    _emit_json({key: len(ids) for key, ids in report.as_dict().items()})


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def doctor_command(as_json: bool) -> None:
    """What is missing or unsafe for production; exit status 1 when anything blocks."""
    from pathlib import Path

    from helpdesk.doctor import diagnose, is_blocked

    findings = diagnose(
        db.session,
        current_app.config,
        migrations=Path(current_app.extensions["migrate"].directory),
        now=clock.now(),
    )
    if as_json:
        _emit_json([vars(finding) for finding in findings])
    else:
        for finding in findings:
            click.echo(f"{finding.severity.upper():<9} {finding.area:<9} {finding.message}")
        blocking = sum(f.severity == "blocking" for f in findings)
        click.echo(
            f"helpdesk doctor: {blocking} blocking, {len(findings) - blocking} warnings"
            if findings
            else "helpdesk doctor: nothing missing or unsafe"
        )
    if is_blocked(findings):
        raise SystemExit(1)


@cli.group("tickets")
def tickets_group() -> None:
    """Read tickets (for scripts and support)."""


@tickets_group.command("list")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON.")
@click.option("--status", default=None)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def tickets_list(as_json: bool, status: str | None, limit: int) -> None:
    """Tickets as a JSON array, newest first."""
    from helpdesk.tickets.queries import recent_tickets, ticket_summary
    from helpdesk.tickets.vocabulary import Status

    if status and status not in {s.value for s in Status}:
        raise click.BadParameter(f"unknown status {status!r}", param_hint="--status")
    _emit_json([ticket_summary(t) for t in recent_tickets(db.session, status=status, limit=limit)])


@tickets_group.command("show")
@click.argument("folio")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON.")
def tickets_show(folio: str, as_json: bool) -> None:
    """One ticket with its conversation, as JSON."""
    from helpdesk.tickets.queries import ticket_by_folio, ticket_detail

    ticket = ticket_by_folio(db.session, folio)
    if ticket is None:
        raise CommandError(f"no ticket with folio {folio}")
    _emit_json(ticket_detail(ticket))


def _register_channel_commands() -> None:
    from helpdesk.accounts.cli import account_commands
    from helpdesk.channels.email.cli import email_commands
    from helpdesk.channels.email.cli_ingest import ingest_commands
    from helpdesk.channels.whatsapp.cli import whatsapp_commands
    from helpdesk.outbound_webhooks.cli import webhook_commands
    from helpdesk.reminders.cli import reminder_commands
    from helpdesk.reports.cli import report_commands
    from helpdesk.search.cli import search_commands
    from helpdesk.sla.cli import sla_commands
    from helpdesk.tokens.cli import token_commands

    for command in [
        *email_commands,
        *ingest_commands,
        *whatsapp_commands,
        sla_commands,
        *token_commands,
        *account_commands,
        *reminder_commands,
        *webhook_commands,
        *search_commands,
        report_commands,
    ]:
        cli.add_command(command)


_register_channel_commands()


def main() -> None:
    """Entry point: one clear error line instead of a traceback for what a user can fix."""
    try:
        cli.main(prog_name="helpdesk")
    except ConfigError as error:
        click.echo(f"helpdesk: configuration error: {error}", err=True)
        sys.exit(2)
    except (OperationalError, DBAPIError) as error:
        hint = "; run `helpdesk init-db` to create the tables" if _missing_table(error) else ""
        click.echo(
            f"helpdesk: cannot use the database at {_database_url()}: "
            f"{_first_line(error.orig or error)}{hint}",
            err=True,
        )
        sys.exit(2)
    except (ArgumentError, ValueError) as error:
        if isinstance(error, ValueError) and _url_parses():
            raise  # a bug, not a bad URL: keep the traceback
        click.echo(
            f"helpdesk: HELPDESK_DATABASE_URL is not a valid database URL: {_first_line(error)}",
            err=True,
        )
        sys.exit(2)


def _database_url() -> str:
    url = os.environ.get("HELPDESK_DATABASE_URL")
    if not url:
        return "the default SQLite file"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable HELPDESK_DATABASE_URL)"


def _url_parses() -> bool:
    try:
        make_url(os.environ.get("HELPDESK_DATABASE_URL") or "sqlite://")
    except (ArgumentError, ValueError):
        return False
    return True


def _missing_table(error: DBAPIError) -> bool:
    """The database is there but was never migrated (SQLite's message, PostgreSQL's 42P01)."""
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "42P01" or str(orig).startswith("no such table")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
