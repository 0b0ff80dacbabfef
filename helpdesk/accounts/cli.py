"""``helpdesk import-accounts``: collection accounts from a CSV file."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.accounts.parsing import AccountSettings
from helpdesk.accounts.services import CHUNK, BatchReport, upsert_accounts
from helpdesk.audit.services import Actor
from helpdesk.extensions import db

CONTACT_COLUMNS = {
    "name": "contact_name",
    "email": "contact_email",
    "phone": "contact_phone",
    "national_id": "contact_national_id",
    "birth_date": "birth_date",
}


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
    authorised, as ``email|whatsapp``, and birth_date: the debtor's, as ``1985-12-31`` or
    ``31/12/1985``)."""
    rows = list(_read_csv(file))
    settings = AccountSettings.from_config(current_app.config)
    total = BatchReport()
    with click.progressbar(length=len(rows), label="accounts", file=sys.stderr) as bar:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            report = upsert_accounts(
                db.session,
                chunk,
                settings=settings,
                actor=Actor.system("import"),
                now=clock.now(),
                source="import",
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


account_commands: list[click.Command] = [import_accounts]
