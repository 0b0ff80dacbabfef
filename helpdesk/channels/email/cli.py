"""``helpdesk`` commands of the email channel (registered in helpdesk/cli.py).

``helpdesk mailbox add|list|test`` and ``helpdesk poll-mail``. A failure a user can fix
is one line on stderr starting with ``helpdesk:`` and exit status 1.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.email.idle import idle_loop
from helpdesk.channels.email.imap import (
    SERVER_ERRORS,
    PollReport,
    check_mailbox,
    describe,
)
from helpdesk.channels.email.mailboxes import (
    SECURITY_MODES,
    MailboxError,
    add_mailbox,
    all_mailboxes,
    mailbox_by_name,
    mailbox_summary,
)
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.email.poll import poll_one
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db


def _mailbox(name: str) -> Mailbox:
    mailbox = mailbox_by_name(db.session, name)
    if mailbox is None:
        raise CommandError(f"no mailbox named {name}")
    return mailbox


# --- helpdesk mailbox ... -------------------------------------------------------------


@click.group("mailbox")
def mailbox_group() -> None:
    """IMAP mailboxes that debtors' mail is read from."""


@mailbox_group.command("add")
@click.argument("name")
@click.option("--address", required=True, help="The address debtors write to.")
@click.option("--imap-host", required=True)
@click.option("--imap-port", type=int, default=None, help="Default: 993 with ssl, else 143.")
@click.option(
    "--imap-security", type=click.Choice(SECURITY_MODES), default="ssl", show_default=True
)
@click.option("--imap-user", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the IMAP password from stdin.")
@click.option("--password-env", metavar="VAR", help="Environment variable with the password.")
@click.option("--folder", default="INBOX", show_default=True)
@click.option("--processed-folder", default=None, help="Move read messages here.")
@click.option("--queue", "queue_name", metavar="QUEUE_NAME", help="Queue of new tickets.")
@click.option("--smtp-host", default=None)
@click.option("--smtp-port", type=int, default=587, show_default=True)
@click.option("--smtp-security", type=click.Choice(SECURITY_MODES), default="starttls")
@click.option("--smtp-user", default=None)
@click.option("--smtp-password-stdin", is_flag=True, help="Read it from stdin (after IMAP's).")
@click.option("--smtp-password-env", metavar="VAR", default=None)
@with_appcontext
def mailbox_add(name: str, **options: Any) -> None:
    """Add a mailbox (passwords are read, never given as arguments)."""
    if options.pop("password_stdin") == bool(options["password_env"]):
        raise CommandError("give exactly one of --password-stdin and --password-env")
    password = _read_password("IMAP") if not options["password_env"] else None
    smtp_password = _read_password("SMTP") if options.pop("smtp_password_stdin") else None
    port = options.pop("imap_port") or (993 if options["imap_security"] == "ssl" else 143)
    try:
        mailbox = add_mailbox(
            db.session,
            name=name,
            email_address=options.pop("address"),
            imap_port=port,
            password=password,
            smtp_password=smtp_password,
            queue=options.pop("queue_name"),
            secret_key=current_app.config["SECRET_KEY"],
            actor=Actor.system("cli"),
            now=clock.now(),
            **options,
        )
    except MailboxError as error:
        raise CommandError(f"cannot add mailbox {name}: {error.message}") from None
    db.session.commit()
    click.echo(
        f"added mailbox {mailbox.name} <{mailbox.email_address}>: {mailbox.imap_user} at "
        f"{mailbox.imap_host}:{mailbox.imap_port} ({mailbox.imap_security}), {mailbox.folder}"
    )


def _read_password(kind: str) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError(f"no {kind} password on standard input")
    return password


@mailbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def mailbox_list(as_json: bool) -> None:
    """Mailboxes with their last success, last error and failures in a row."""
    rows = [mailbox_summary(m) for m in all_mailboxes(db.session)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = f"error ({row['failures']}x): {row['last_error']}" if row["last_error"] else "ok"
        click.echo(
            f"{row['name']:<16} {row['address']:<28} {row['host']:<26} {row['folder']:<12} "
            f"queue={row['queue'] or '-'} last_success={row['last_success_at'] or 'never'} {state}"
        )


@mailbox_group.command("test")
@click.argument("name")
@with_appcontext
def mailbox_test(name: str) -> None:
    """Connect, log in, select the folder (read-only) and print its counts."""
    mailbox = _mailbox(name)
    where = f"{mailbox.imap_user} at {mailbox.imap_host}:{mailbox.imap_port}"
    try:
        status = check_mailbox(mailbox, secret_key=current_app.config["SECRET_KEY"])
    except SERVER_ERRORS as error:
        raise CommandError(
            f"mailbox {name}: {where}, {mailbox.folder}: {describe(error)}"
        ) from None
    click.echo(f"mailbox {name}: logged in as {where} ({mailbox.imap_security})")
    click.echo(f"folder {mailbox.folder}: {status.messages} messages")
    click.echo(f"unseen: {status.unseen} (information only: polling follows UIDs)")
    click.echo(f"uidnext: {status.uidnext}")
    click.echo(f"uidvalidity: {status.uidvalidity}")
    if mailbox.processed_folder:
        exists = "exists" if status.processed_folder_exists else "missing (created on first poll)"
        click.echo(f"processed folder {mailbox.processed_folder}: {exists}")


# --- helpdesk poll-mail ---------------------------------------------------------------


@click.command("poll-mail")
@click.option("--mailbox", "name", default=None, help="Only this mailbox.")
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.option(
    "--interval",
    type=click.IntRange(1, 3600),
    default=60,
    show_default=True,
    help="Seconds between polls when the server has no IDLE, and after errors.",
)
@with_appcontext
def poll_mail(name: str | None, once: bool, interval: int) -> None:
    """Read new mail: one JSON line per mailbox and poll; loops with IDLE until Ctrl-C."""
    mailboxes = [_mailbox(name)] if name else [m for m in all_mailboxes(db.session) if m.is_active]
    if not mailboxes:
        raise CommandError("no active mailboxes; add one with `helpdesk mailbox add`")
    if name and not mailboxes[0].is_active:
        raise CommandError(f"mailbox {name} is not active")
    if once:
        _poll_once([(m.id, m.name) for m in mailboxes])
        return
    names = [m.name for m in mailboxes]
    db.session.close()  # each loop has its own session; keep no transaction open here
    _poll_forever(names, interval)


_print_lock = threading.Lock()


def _print_report(report: PollReport) -> None:
    with _print_lock:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        sys.stdout.flush()


def _poll_once(mailboxes: list[tuple[int, str]]) -> None:
    failed = []
    for mailbox_id, mailbox_name in mailboxes:
        report = poll_one(mailbox_id)
        if report is None:
            click.echo(json.dumps({"mailbox": mailbox_name, "skipped": "another poll is running"}))
            continue
        _print_report(report)
        if report.error:
            failed.append(mailbox_name)
    if failed:
        raise CommandError(f"polling failed for {', '.join(failed)} (see last_error)")


def _poll_forever(names: list[str], interval: int) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    # Both stop the loop, SIGINT too: a process started in the background by a script
    # inherits SIGINT ignored, and Python then raises no KeyboardInterrupt for Ctrl+C.
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, lambda *_: stop.set())
    threads = [
        threading.Thread(
            target=idle_loop,
            args=(app, name, stop),
            kwargs={"interval": interval, "on_report": _print_report},
            name=f"imap-{name}",
            daemon=True,
        )
        for name in names
    ]
    for thread in threads:
        thread.start()
    try:
        while not stop.is_set() and any(t.is_alive() for t in threads):
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)


email_commands: list[click.Command] = [mailbox_group, poll_mail]
