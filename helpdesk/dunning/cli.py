"""``helpdesk create-api-token``, ``helpdesk import-accounts`` and ``helpdesk dunning``."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.dunning.accounts import CHUNK, BatchReport, upsert_accounts
from helpdesk.dunning.reminders import DispatchReport, run_due
from helpdesk.extensions import db
from helpdesk.tokens.services import SCOPES, TokenError, create_token

CONTACT_COLUMNS = {
    "name": "contact_name",
    "email": "contact_email",
    "phone": "contact_phone",
    "national_id": "contact_national_id",
}


@click.command("create-api-token")
@click.option("--name", required=True, help="Who uses it, e.g. the collection system.")
@click.option(
    "--scopes", default=",".join(SCOPES), show_default=True, help="Comma-separated scopes."
)
@click.option(
    "--expires-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Days until it expires (default: never).",
)
@with_appcontext
def create_api_token(name: str, scopes: str, expires_days: int | None) -> None:
    """Make an API token; it is printed once, alone on the last line."""
    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    try:
        token, secret = create_token(
            db.session,
            name=name,
            scopes=wanted,
            expires_in_days=expires_days,
            actor=Actor.system("cli"),
            now=clock.now(),
        )
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"token {token.name} ({', '.join(token.scopes)}); keep it safe, it is shown once:")
    click.echo(secret)


@click.command("import-accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--errors",
    "errors_file",
    type=click.File("w"),
    default=None,
    help="Write the rows that failed (JSON lines) here instead of standard error.",
)
@with_appcontext
def import_accounts(file: Path, errors_file: TextIO | None) -> None:
    """Create or update accounts from a CSV file (columns: number, creditor, portfolio,
    balance, currency, days_past_due, status, next_due_date, contact_name, contact_email,
    contact_phone, contact_national_id and, optionally, consents: the channels the debtor
    authorised, as ``email|whatsapp``)."""
    rows = list(_read_csv(file))
    total = BatchReport()
    with click.progressbar(length=len(rows), label="accounts", file=sys.stderr) as bar:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            report = upsert_accounts(
                db.session, chunk, actor=Actor.system("import"), now=clock.now(), source="import"
            )
            db.session.commit()
            _merge(total, report, offset=start)
            bar.update(len(chunk))
    for error in total.errors:
        line = json.dumps(
            {"row": error.index + 2, "number": error.number, "errors": error.errors},
            ensure_ascii=False,
        )
        click.echo(line, file=errors_file or sys.stderr)
    click.echo(
        json.dumps(
            {
                "created": len(total.created),
                "updated": len(total.updated),
                "unchanged": len(total.unchanged),
                "errors": len(total.errors),
            }
        )
    )


def _read_csv(path: Path) -> Any:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            yield _body(row)


def _body(row: dict[str, str | None]) -> dict[str, Any]:
    """A CSV row as the API's account body (empty cells are absent values)."""
    value = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in row.items() if k}
    contact = {
        key: value.get(column) for key, column in CONTACT_COLUMNS.items() if value.get(column)
    }
    body: dict[str, Any] = {
        k: value.get(k)
        for k in ("number", "creditor", "balance", "currency", "status", "next_due_date")
        if value.get(k) is not None
    }
    body["portfolio"] = value.get("portfolio") or ""
    consents = value.get("consents")
    if contact and consents:
        contact["consents"] = [c.strip() for c in consents.split("|") if c.strip()]
    body["contact"] = contact or None
    days = value.get("days_past_due")
    body["days_past_due"] = int(days) if days and days.isdigit() else days or 0
    return body


def _merge(total: BatchReport, report: BatchReport, *, offset: int) -> None:
    total.created += report.created
    total.updated += report.updated
    total.unchanged += report.unchanged
    for error in report.errors:
        error.index += offset
        total.errors.append(error)


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
    report = run_due(db.session, now=now)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print_table(report)


def _parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(
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


dunning_commands: list[click.Command] = [create_api_token, import_accounts, dunning_group]
