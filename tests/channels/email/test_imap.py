"""Reading mail from a real Dovecot: the crash-safe order, the cursor, failures, the CLI.

Messages are APPENDed by a second IMAP client, then polled. Tests that use ``session``
run on SQLite and PostgreSQL (the poll's commits release the test's savepoints); the CLI
tests run the real ``helpdesk`` command on a SQLite file.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.email import imap
from helpdesk.channels.email.mailboxes import add_mailbox
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.channels.email.poll import mailbox_lock, poll_all_mailboxes, poll_one
from helpdesk.tickets.models import Message, Ticket
from tests.conftest import FIXED_NOW, REDIS_TEST_URL, SECRET, require_service
from tests.factories import email_settings
from tests.services.dovecot import Account, Dovecot, dovecot, dovecot_server, free_port  # noqa: F401
from tests.test_cli import HELPDESK, helpdesk, ok, one_error_line

DEBTOR = "maria.lopez@correo.mx"


def eml(
    n: int,
    *,
    subject: str = "Aclaración de cargo no reconocido",
    in_reply_to: str | None = None,
    body: str | None = None,
    sender: str = DEBTOR,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"María López <{sender}>"
    message["To"] = "Aclaraciones <aclaraciones@aclara.mx>"
    message["Subject"] = subject if in_reply_to is None else f"Re: {subject}"
    message["Date"] = format_datetime(FIXED_NOW - timedelta(hours=1))
    message["Message-ID"] = message_id(n)
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(
        body
        or f"Buenos días, no reconozco el cargo número {n} de $1,250.00 en mi estado de cuenta."
    )
    return message.as_bytes()


def message_id(n: int) -> str:
    return f"<mensaje-{n}-{os.getpid()}@correo.mx>"


def mailbox_for(session: Session, server: Dovecot, account: Account, **fields: Any) -> Mailbox:
    values: dict[str, Any] = {
        "name": f"aclaraciones-{account.user}",
        "email_address": "aclaraciones@aclara.mx",
        "imap_host": server.host,
        "imap_port": server.port,
        "imap_security": "none",
        "imap_user": account.user,
        "password": account.password,
    }
    values.update(fields)
    return add_mailbox(
        session,
        secret_key=current_app.config["SECRET_KEY"],
        actor=Actor.system("test"),
        now=clock.now(),
        **values,
    )


def poll(session: Session, mailbox: Mailbox) -> imap.PollReport:
    return imap.poll_mailbox(session, mailbox, settings=email_settings(), now=clock.now())


def tickets_of(session: Session, mailbox: Mailbox) -> list[Ticket]:
    ids = sql_select(InboundEmail.ticket_id).where(InboundEmail.mailbox_id == mailbox.id)
    return list(session.scalars(sql_select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)))


def folder_uids(server: Dovecot, account: Account, folder: str = "INBOX") -> list[int]:
    with server.client(account) as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        return client.search()


@pytest.fixture
def account(dovecot: Dovecot) -> Account:  # noqa: F811
    return dovecot.new_account()


# --- Reading ----------------------------------------------------------------------------


def test_new_mail_becomes_a_ticket_and_a_reply_threads_into_it(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2, in_reply_to=message_id(1), body="Adjunto mi comprobante."))
    mailbox = mailbox_for(session, dovecot, account)

    report = poll(session, mailbox)

    assert report == imap.PollReport(mailbox.name, fetched=2, created=1, appended=1)
    [ticket] = tickets_of(session, mailbox)
    assert ticket.subject == "Aclaración de cargo no reconocido"
    inbound = [m.new_text or m.text for m in ticket.messages if m.direction == "in"]
    assert len(inbound) == 2 and inbound[1].startswith("Adjunto mi comprobante")
    assert ticket.contact.email == DEBTOR
    assert (mailbox.last_uid, mailbox.last_success_at, mailbox.last_error) == (2, FIXED_NOW, None)


def test_mail_another_client_marked_read_is_still_ingested(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1), flags=(b"\\Seen",))
    mailbox = mailbox_for(session, dovecot, account)

    assert poll(session, mailbox).created == 1


def test_a_second_poll_reads_nothing_and_leaves_the_mail_flagged_read(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    mailbox = mailbox_for(session, dovecot, account)
    poll(session, mailbox)

    again = poll(session, mailbox)

    assert again == imap.PollReport(mailbox.name)
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SEEN"]) == [1]
    assert len(tickets_of(session, mailbox)) == 1


def test_read_mail_moves_to_the_processed_folder(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    assert poll(session, mailbox).created == 2

    assert folder_uids(dovecot, account) == []
    assert len(folder_uids(dovecot, account, "Procesados")) == 2


def test_many_messages_are_read_in_batches_in_uid_order(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    for n in range(1, 6):
        dovecot.append(account, eml(n, subject=f"Aclaración {n}"))
    mailbox = mailbox_for(session, dovecot, account)

    report = imap.poll_mailbox(
        session, mailbox, settings=email_settings(), now=clock.now(), batch=2
    )

    assert (report.fetched, report.created, mailbox.last_uid) == (5, 5, 5)
    subjects = [t.subject for t in tickets_of(session, mailbox)]
    assert subjects == [f"Aclaración {n}" for n in range(1, 6)]


def test_a_new_uidvalidity_reads_again_without_duplicate_tickets(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2, subject="Solicitud de convenio de pago"))
    mailbox = mailbox_for(session, dovecot, account)
    poll(session, mailbox)
    first_validity = mailbox.uidvalidity

    dovecot.reset_uidvalidity(account)
    dovecot.append(account, eml(3, subject="Baja de mis datos personales"))
    report = poll(session, mailbox)

    assert mailbox.uidvalidity != first_validity
    assert (report.fetched, report.duplicates, report.created) == (3, 2, 1)
    assert len(tickets_of(session, mailbox)) == 3
    assert mailbox.last_uid == 3


def test_an_oversize_message_is_quarantined_and_the_next_ones_still_read(
    app: Flask,
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1000)  # fetch limit: 4 × 1000 bytes
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2, body="Estado de cuenta escaneado.\n" * 400))
    dovecot.append(account, eml(3, subject="Solicitud de convenio de pago"))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    report = poll(session, mailbox)

    assert (report.fetched, report.created, report.quarantined) == (3, 2, 1)
    uid_2 = (InboundEmail.uid == 2, InboundEmail.mailbox_id == mailbox.id)
    row = session.scalar(sql_select(InboundEmail).where(*uid_2))
    assert row is not None and row.action == "quarantined"
    assert row.reason == f"too large: {row.size} bytes" and row.size > 4000
    assert row.message_id_header == message_id(2).strip("<>")
    assert folder_uids(dovecot, account) == [] and mailbox.last_uid == 3


# --- Crashes and failures ---------------------------------------------------------------


def test_a_crash_between_commit_and_move_is_a_harmless_replay(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dovecot.append(account, eml(1))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    def crash(*_args: Any) -> None:
        raise KeyboardInterrupt  # the process dies right after the commit

    with monkeypatch.context() as patch:
        patch.setattr(imap, "dispose", crash)
        with pytest.raises(KeyboardInterrupt):
            poll(session, mailbox)
    assert len(tickets_of(session, mailbox)) == 1
    assert folder_uids(dovecot, account) == [1] and mailbox.last_uid == 0

    report = poll(session, mailbox)

    assert (report.fetched, report.duplicates, report.created) == (1, 1, 0)
    assert len(tickets_of(session, mailbox)) == 1
    assert folder_uids(dovecot, account) == [] and mailbox.last_uid == 1
    assert len(folder_uids(dovecot, account, "Procesados")) == 1


def test_a_server_stopped_mid_poll_is_recorded_and_the_next_poll_finishes(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2, subject="Solicitud de convenio de pago"))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")
    real_ingest = imap.ingest_group

    def ingest_then_stop_server(*args: Any, **kwargs: Any) -> Any:
        result = real_ingest(*args, **kwargs)
        dovecot.stop()
        return result

    monkeypatch.setattr(imap, "ingest_group", ingest_then_stop_server)
    failed = poll(session, mailbox)
    monkeypatch.undo()

    # Both messages of the FETCH group were ingested and committed; the move failed.
    assert failed.error and (failed.fetched, failed.created) == (2, 2)
    assert mailbox.consecutive_failures == 1 and mailbox.last_error == failed.error
    assert mailbox.next_attempt_at == FIXED_NOW + timedelta(minutes=1)
    dovecot.start()
    report = poll(session, mailbox)
    assert (report.error, report.duplicates, report.created) == (None, 2, 0)
    assert len(tickets_of(session, mailbox)) == 2
    assert folder_uids(dovecot, account) == [] and mailbox.last_uid == 2


def test_an_outage_backs_off_and_recovery_clears_the_error(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    mailbox = mailbox_for(session, dovecot, account)
    dovecot.stop()

    errors = [poll(session, mailbox).error for _ in range(3)]

    assert all(errors) and mailbox.consecutive_failures == 3
    assert mailbox.next_attempt_at == FIXED_NOW + timedelta(minutes=4)
    assert mailbox.last_error == errors[-1] and mailbox.last_success_at is None
    dovecot.start()
    dovecot.append(account, eml(1))
    report = poll(session, mailbox)
    assert (report.error, report.created) == (None, 1)
    assert (mailbox.consecutive_failures, mailbox.last_error, mailbox.next_attempt_at) == (
        0,
        None,
        None,
    )
    assert mailbox.last_success_at == FIXED_NOW


def test_backoff_doubles_up_to_thirty_minutes() -> None:
    minutes = [imap.backoff(n) / timedelta(minutes=1) for n in range(1, 9)]
    assert minutes == [1, 2, 4, 8, 16, 30, 30, 30]


def test_an_unreachable_mailbox_does_not_stop_the_others(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    broken = mailbox_for(session, dovecot, account, name="caido", imap_port=free_port())
    working = mailbox_for(session, dovecot, account)
    dovecot.append(account, eml(1))

    assert poll_all_mailboxes() == 2  # inline: no Redis in tests

    assert broken.last_error and "ConnectionRefusedError" in broken.last_error
    assert working.last_error is None and len(tickets_of(session, working)) == 1
    assert poll_all_mailboxes() == 1  # the broken one waits for its backoff


def test_a_wrong_password_is_a_recorded_failure(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    mailbox = mailbox_for(session, dovecot, account, password="no-es-la-clave")

    report = poll(session, mailbox)

    assert report.error and "LoginError" in report.error
    assert "no-es-la-clave" not in report.error and mailbox.consecutive_failures == 1


# --- The per-mailbox lock ---------------------------------------------------------------


def test_a_poll_while_another_holds_the_lock_does_nothing(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    mailbox = mailbox_for(session, dovecot, account)

    with mailbox_lock(mailbox.id, email_settings()) as held:
        assert held
        assert poll_one(mailbox.id) is None
        with mailbox_lock(mailbox.id, email_settings()) as second:
            assert not second
    assert tickets_of(session, mailbox) == []

    report = poll_one(mailbox.id)
    assert report is not None and report.created == 1


@pytest.mark.redis
def test_the_redis_lock_keeps_a_second_poll_out(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        Redis.from_url(REDIS_TEST_URL).ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    mailbox_id = 10_000 + os.getpid()

    with mailbox_lock(mailbox_id, email_settings()) as held:
        assert held
        assert poll_one(mailbox_id) is None
    with mailbox_lock(mailbox_id, email_settings()) as again:
        assert again


# --- The CLI (SQLite file, real processes) ------------------------------------------------


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``helpdesk init-db`` once; each test gets a copy of the file."""
    home = tmp_path_factory.mktemp("migrated")
    ok(helpdesk("init-db", home))
    return home / "aclara.sqlite3"


@pytest.fixture
def cli_home(tmp_path: Path, migrated_sqlite: Path) -> Path:
    shutil.copyfile(migrated_sqlite, tmp_path / "aclara.sqlite3")
    return tmp_path


def add_by_cli(home: Path, server: Dovecot, account: Account, password: str | None = None) -> None:
    command = (
        f"mailbox add soporte --address soporte@aclara.mx --imap-host {server.host} "
        f"--imap-port {server.port} --imap-security none --imap-user {account.user} "
        "--password-stdin --processed-folder Procesados"
    )
    out = ok(helpdesk(command, home, stdin=(password or account.password) + "\n"))
    assert out.startswith("added mailbox soporte")


def test_mailbox_test_prints_the_folder_counts(
    cli_home: Path,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1), flags=(b"\\Seen",))
    dovecot.append(account, eml(2))
    add_by_cli(cli_home, dovecot, account)

    out = ok(helpdesk("mailbox test soporte", cli_home))

    assert "folder INBOX: 2 messages" in out and "unseen: 1" in out
    assert "uidnext: 3" in out and "uidvalidity: " in out
    assert "processed folder Procesados: missing" in out
    [row] = json.loads(ok(helpdesk("mailbox list --json", cli_home)))
    assert row["name"] == "soporte" and row["host"] == f"{dovecot.host}:{dovecot.port}"


def test_mailbox_test_with_a_wrong_password_gives_one_line(
    cli_home: Path,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    add_by_cli(cli_home, dovecot, account, password="no-es-la-clave")

    line = one_error_line(helpdesk("mailbox test soporte", cli_home), code=1)

    assert line.startswith("helpdesk: mailbox soporte:") and "LoginError" in line
    assert "no-es-la-clave" not in line


def test_mailbox_add_refuses_plain_imap_to_a_remote_host(cli_home: Path) -> None:
    command = (
        "mailbox add remoto --address a@aclara.mx --imap-host imap.aclara.mx "
        "--imap-security none --imap-user a --password-env IMAP_CLAVE"
    )
    line = one_error_line(helpdesk(command, cli_home), code=1)
    assert line.startswith("helpdesk: cannot add mailbox remoto:") and "loopback" in line


def test_poll_mail_once_prints_a_report_per_mailbox(
    cli_home: Path,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    add_by_cli(cli_home, dovecot, account)

    [line] = ok(helpdesk("poll-mail --once", cli_home)).splitlines()

    assert json.loads(line) == {
        "mailbox": "soporte",
        "fetched": 1,
        "created": 1,
        "appended": 0,
        "duplicates": 0,
        "quarantined": 0,
        "error": None,
    }
    assert folder_uids(dovecot, account, "Procesados") == [1]


def test_poll_mail_waits_in_idle_and_stops_on_ctrl_c(
    cli_home: Path,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    add_by_cli(cli_home, dovecot, account)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ.pop("REDIS_URL", None)
    environ.update(
        HELPDESK_DATABASE_URL=f"sqlite:///{cli_home / 'aclara.sqlite3'}",
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_DATA_DIR=str(cli_home / "data"),
    )
    process = subprocess.Popen(
        [str(HELPDESK), "poll-mail", "--mailbox", "soporte", "--interval", "300"],
        cwd=cli_home,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = read_reports(process)
    try:
        assert next_report(lines)["fetched"] == 0
        dovecot.append(account, eml(1))  # only IDLE can notice it: the interval is 5 minutes
        assert next_report(lines)["created"] == 1
        process.send_signal(signal.SIGINT)
        # Generous: on a loaded CI machine the IMAP logout and exit can take a while.
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def read_reports(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The command's stdout lines, read by a thread so a test can wait with a timeout."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def next_report(lines: queue.Queue[str], timeout: float = 20) -> dict[str, Any]:
    try:
        return json.loads(lines.get(timeout=timeout))
    except queue.Empty:
        raise AssertionError("no report from helpdesk poll-mail") from None


def test_inbound_rows_keep_what_happened(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    dovecot.append(account, eml(1))
    mailbox = mailbox_for(session, dovecot, account)
    poll(session, mailbox)

    row = session.scalar(sql_select(InboundEmail).where(InboundEmail.mailbox_id == mailbox.id))
    assert row is not None
    assert (row.uidvalidity, row.uid, row.action) == (mailbox.uidvalidity, 1, "created")
    assert row.source == f"imap:{mailbox.name}"
    messages = sql_select(func.count()).select_from(Message)
    inbound = messages.where(Message.ticket_id == row.ticket_id, Message.direction == "in")
    assert session.scalar(inbound) == 1


def test_a_poisoned_message_is_quarantined_and_the_mail_behind_it_still_arrives(
    client: Any,
    signed_in: Any,
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12: a Message-ID with a byte that is not UTF-8 or a NUL, bytes that are not
    mail, and a message whose processing raises: none blocks the mailbox, each is a
    ticket or a quarantine row the admin sees with its reason, and only then is it moved."""
    from helpdesk.channels.email import ingest as ingest_module
    from helpdesk.channels.email import ingest_group as group_module
    from helpdesk.intake.services import receive
    from tests.channels.email.test_hostile import BAD_ID_BYTE, NUL_ID

    def receive_or_raise(session: Session, inbound: Any, **kwargs: Any) -> Any:
        if "veneno" in inbound.text:
            raise ZeroDivisionError("veneno")
        return receive(session, inbound, **kwargs)

    monkeypatch.setattr(group_module, "receive", receive_or_raise)
    monkeypatch.setattr(ingest_module, "receive", receive_or_raise)
    dovecot.append(account, eml(1))
    dovecot.append(account, BAD_ID_BYTE)
    dovecot.append(account, NUL_ID)
    dovecot.append(account, eml(4, body="veneno"))
    dovecot.append(account, b"\x00\x01\x02 esto no es correo")
    dovecot.append(account, eml(6, subject="Solicitud de convenio de pago"))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    report = poll(session, mailbox)

    assert report.error is None
    assert (report.fetched, report.created, report.quarantined) == (6, 4, 2)
    rows = session.scalars(
        sql_select(InboundEmail).where(InboundEmail.mailbox_id == mailbox.id)
    ).all()
    assert sorted(r.uid for r in rows) == [1, 2, 3, 4, 5, 6]
    by_uid = {r.uid: r for r in rows}
    assert by_uid[4].action == "quarantined"
    assert by_uid[4].reason.startswith("processing failed: ZeroDivisionError: veneno (at ")
    assert by_uid[5].action == "quarantined" and by_uid[5].reason.startswith("unparseable")
    assert {by_uid[u].action for u in (1, 2, 3, 6)} == {"created"}
    assert folder_uids(dovecot, account) == [] and mailbox.last_uid == 6
    assert len(folder_uids(dovecot, account, "Procesados")) == 6
    assert mailbox.last_error and "veneno" in mailbox.last_error
    assert mailbox.consecutive_failures == 1

    signed_in("admin")
    page = client.get("/admin/quarantine").get_data(as_text=True)
    assert "processing failed: ZeroDivisionError: veneno" in page and "unparseable" in page
    listing = client.get("/admin/mailboxes").get_data(as_text=True)
    assert "veneno" in listing

    again = poll(session, mailbox)
    assert (again.error, again.fetched) == (None, 0)
    assert mailbox.last_error is None and mailbox.consecutive_failures == 0


def test_a_group_that_cannot_be_stored_is_read_one_message_at_a_time(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dovecot.append(account, eml(1))
    dovecot.append(account, eml(2, subject="Solicitud de convenio de pago"))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    def broken_group(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the group's commit failed")

    monkeypatch.setattr(imap, "ingest_group", broken_group)
    report = poll(session, mailbox)

    assert (report.error, report.fetched, report.created) == (None, 2, 2)
    assert folder_uids(dovecot, account) == [] and mailbox.last_uid == 2


def test_a_message_that_cannot_be_stored_at_all_stays_and_the_failure_is_recorded(
    session: Session,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dovecot.append(account, eml(1))
    mailbox = mailbox_for(session, dovecot, account, processed_folder="Procesados")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the database refuses everything")

    for name in ("ingest_group", "ingest_alone", "quarantine_failed"):
        monkeypatch.setattr(imap, name, broken)
    report = poll(session, mailbox)

    assert report.error == "RuntimeError: the database refuses everything"
    assert mailbox.last_error == report.error and mailbox.consecutive_failures == 1
    assert folder_uids(dovecot, account) == [1] and mailbox.last_uid == 0  # not moved
    monkeypatch.undo()
    mailbox.next_attempt_at = None
    again = poll(session, mailbox)
    assert (again.error, again.created) == (None, 1)
    assert mailbox.last_error is None and folder_uids(dovecot, account) == []
