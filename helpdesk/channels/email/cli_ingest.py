"""``helpdesk ingest-eml`` and ``helpdesk quarantine``: raw mail through the one door."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from helpdesk import clock
from helpdesk.channels.email.ingest import (
    IngestResult,
    failure_reason,
    mail_domains,
    retry_quarantined,
)
from helpdesk.channels.email.ingest_group import (
    RawMail,
    ingest_alone,
    ingest_group,
    quarantine_failed,
)
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.jobs import run_ready_jobs

log = logging.getLogger(__name__)


@click.command("ingest-eml")
@click.option("--mailbox", "mailbox_name", default=None, help="Treat the files as read here.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@with_appcontext
def ingest_eml(mailbox_name: str | None, files: tuple[str, ...]) -> None:
    """Feed raw .eml files through intake; one JSON line per file."""
    mailbox = _mailbox(mailbox_name)
    settings = EmailSettings.from_config(current_app.config)
    domains = mail_domains(db.session, settings)
    unreadable = 0
    group: list[tuple[str, RawMail]] = []
    for name in files:
        try:
            raw = Path(name).read_bytes()
        except OSError as error:
            unreadable += 1
            _line(name, "unreadable", None, error.strerror or str(error))
            continue
        group.append((name, RawMail(raw, f"file:{Path(name).name}")))
        if len(group) == GROUP_SIZE:
            _ingest(group, mailbox, domains, settings)
    _ingest(group, mailbox, domains, settings)
    if unreadable:
        raise SystemExit(1)


# Files per group and commit, as the IMAP poll reads them (see ingest_group).
GROUP_SIZE = 50


def _ingest(
    group: list[tuple[str, RawMail]],
    mailbox: Mailbox | None,
    domains: tuple[str, ...],
    settings: EmailSettings,
) -> None:
    """Ingest, commit, run the group's jobs, then report it (never before the commit)."""
    if not group:
        return
    mails = [mail for _name, mail in group]
    try:
        results = ingest_group(
            db.session,
            mails,
            settings=settings,
            mailbox=mailbox,
            our_domains=domains,
            now=clock.now(),
        )
        db.session.commit()
    except Exception:  # the group could not be committed: each file alone, each committed
        log.exception("a group of %d files could not be stored; one at a time", len(mails))
        db.session.rollback()
        results = [_alone(mail, mailbox, domains, settings) for mail in mails]
    _run_jobs()
    for (name, _mail), result in zip(group, results, strict=True):
        _line(name, result.action, result.folio, result.reason)
    group.clear()


def _alone(
    mail: RawMail, mailbox: Mailbox | None, domains: tuple[str, ...], settings: EmailSettings
) -> IngestResult:
    now = clock.now()
    try:
        result = ingest_alone(db.session, mail, mailbox, None,
                              domains, now, settings)  # fmt: skip
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        result = quarantine_failed(db.session, mail, mailbox, None,
                                   failure_reason(error), now=now)  # fmt: skip
        db.session.commit()
    return result


def _run_jobs() -> None:
    """The committed group's jobs (acknowledgements) run inline without Redis; a job that
    raises is logged and leaves the others to run."""
    while True:
        try:
            run_ready_jobs(db.session)
            return
        except Exception:
            log.exception("a job after ingest-eml failed")
            db.session.rollback()


@click.group("quarantine")
def quarantine() -> None:
    """Messages that could not be processed, kept with their reason."""


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@with_appcontext
def quarantine_list(as_json: bool) -> None:
    rows = db.session.scalars(
        select(InboundEmail)
        .where(InboundEmail.action == "quarantined")
        .order_by(InboundEmail.received_at)
    )
    for row in rows:
        item = {
            "id": row.id,
            "received_at": row.received_at.isoformat(),
            "source": row.source,
            "size": row.size,
            "message_id": row.message_id_header,
            "reason": row.reason,
        }
        click.echo(
            json.dumps(item, ensure_ascii=False)
            if as_json
            else f"{row.id:>6}  {item['received_at'][:19]}  {row.source}  {row.reason}"
        )


@quarantine.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
@with_appcontext
def quarantine_retry(ids: tuple[int, ...]) -> None:
    """Run quarantined messages through intake again."""
    settings = EmailSettings.from_config(current_app.config)
    for ident in ids:
        row = db.session.get(InboundEmail, ident)
        if row is None or row.action != "quarantined":
            raise CommandError(f"no quarantined message with id {ident}")
        result = retry_quarantined(db.session, row, settings=settings, now=clock.now())
        db.session.commit()
        run_ready_jobs(db.session)
        _line(row.source, result.action, result.folio, result.reason)


def _mailbox(name: str | None) -> Mailbox | None:
    if name is None:
        return None
    mailbox = db.session.scalar(select(Mailbox).where(Mailbox.name == name))
    if mailbox is None:
        raise CommandError(f"no mailbox named {name}")
    return mailbox


def _line(file: str, action: str, folio: str | None, reason: str | None) -> None:
    click.echo(
        json.dumps(
            {"file": file, "action": action, "ticket": folio, "reason": reason}, ensure_ascii=False
        )
    )


ingest_commands: list[click.Command] = [ingest_eml, quarantine]
