"""Fuzzing intake (issue 12): thousands of mutated mails (see ``fuzz.py``) through
``helpdesk ingest-eml`` on SQLite and PostgreSQL, and through a real IMAP poll.

Every file gets exactly one verdict, every verdict is backed by a row (a ticket message
or a quarantine row), no command exits non-zero, no acknowledgement stays ``queued``,
and a second pass creates nothing. The seed is fixed in CI (``CI=true``) and fresh
locally; it is printed, and ``FUZZ_SEED=<n>`` replays a run.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.channels.email.fuzz import mutated, seed_for_run
from tests.conftest import create_postgres_database, drop_postgres_database, require_service
from tests.services.dovecot import Account, Dovecot, dovecot, dovecot_server  # noqa: F401
from tests.test_cli import helpdesk, sqlite_url

COUNT = int(os.environ.get("FUZZ_COUNT", "2000"))
IMAP_COUNT = int(os.environ.get("FUZZ_IMAP_COUNT", "500"))
# One poll takes every mail and sends each acknowledgement inline, with its acuse PDF.
POLL_TIMEOUT = 360
BATCH = 500  # files per ingest-eml invocation (each acknowledgement renders its acuse PDF)
VERDICTS = {"created", "appended", "duplicate", "auto_reply", "bounce", "quarantined"}
WITH_MESSAGE = {"created", "appended"}
# Verdicts by database, so the second database's run is compared with the first's.
_ACTIONS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[Path]]:
    seed = seed_for_run()
    print(f"\nfuzz seed {seed} ({COUNT} mails; FUZZ_SEED={seed} replays this run)")
    out = tmp_path_factory.mktemp("fuzz")
    paths = []
    for name, raw in mutated(COUNT, seed):
        path = out / name
        path.write_bytes(raw)
        paths.append(path)
    return seed, paths


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


def run(command: str, home: Path, url: str, *, timeout: float = 120) -> Any:
    result = helpdesk(command, home, url=url, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def ingest(paths: list[Path], home: Path, url: str) -> list[dict[str, Any]]:
    verdicts = []
    for start in range(0, len(paths), BATCH):
        names = " ".join(str(p) for p in paths[start : start + BATCH])
        out = run(f"ingest-eml {names}", home, url).stdout
        verdicts += [json.loads(line) for line in out.splitlines() if line.strip()]
    return verdicts


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            one = lambda sql: db.execute(text(sql)).scalar_one()  # noqa: E731
            return {
                "tickets": one("SELECT count(*) FROM tickets"),
                "messages": one("SELECT count(*) FROM messages"),
                "queued": one("SELECT count(*) FROM messages WHERE delivery_status = 'queued'"),
                "sent": one("SELECT count(*) FROM messages WHERE delivery_status = 'sent'"),
                "failed": one("SELECT count(*) FROM messages WHERE delivery_status = 'failed'"),
            }
    finally:
        engine.dispose()


def inbound_rows(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            return list(
                db.execute(
                    text(
                        "SELECT source, uid, action, reason, ticket_id, message_id "
                        "FROM inbound_emails ORDER BY id"
                    )
                )
            )
    finally:
        engine.dispose()


def check_backed(verdict: str, row: Any, label: str) -> None:
    assert row.action == verdict, label
    if verdict in WITH_MESSAGE:
        assert row.ticket_id is not None and row.message_id is not None, label
    if verdict == "quarantined":
        assert row.reason, label


def test_mutated_mail_through_ingest_eml(
    fuzzed: tuple[int, list[Path]], database: str, tmp_path: Path
) -> None:
    seed, paths = fuzzed
    started = time.perf_counter()
    run("init-db", tmp_path, database)

    verdicts = ingest(paths, tmp_path, database)

    assert len(paths) >= 2000 or "FUZZ_COUNT" in os.environ
    assert [v["file"] for v in verdicts] == [str(p) for p in paths], f"seed {seed}"
    assert {v["action"] for v in verdicts} <= VERDICTS, f"seed {seed}"
    rows = {row.source: row for row in inbound_rows(database)}
    assert len(rows) == len(paths), f"seed {seed}: files without a row"
    for verdict in verdicts:
        name = Path(verdict["file"]).name
        check_backed(verdict["action"], rows[f"file:{name}"], f"seed {seed}: {name}")
    first = counts(database)
    assert first["queued"] == 0 and first["sent"] > 0, f"seed {seed}: {first}"
    assert first["failed"] == 0, f"seed {seed}: composing failed on stored data: {first}"
    crashed = [v for v in verdicts if (v["reason"] or "").startswith("processing failed")]
    assert not crashed, f"seed {seed}: intake raised on {crashed[:3]}"

    again = ingest(paths, tmp_path, database)

    assert len(again) == len(paths)
    assert {v["action"] for v in again} <= {"duplicate", "quarantined", "auto_reply", "bounce"}
    second = counts(database)
    assert (second["tickets"], second["messages"]) == (first["tickets"], first["messages"])
    actions = {Path(v["file"]).name: v["action"] for v in verdicts}
    for other, seen in _ACTIONS.items():
        differ = {name for name in actions if seen.get(name) != actions[name]}
        assert not differ, f"seed {seed}: other verdicts than on {other}: {sorted(differ)[:5]}"
    _ACTIONS[database.split(":", 1)[0]] = actions
    tally = Counter(v["action"] for v in verdicts)
    print(f"seed {seed}: {dict(tally)} in {time.perf_counter() - started:.1f} s")


@pytest.fixture
def account(dovecot: Dovecot) -> Account:  # noqa: F811
    return dovecot.new_account()


def deliver_to_maildir(server: Dovecot, account: Account, paths: list[Path]) -> None:
    """Drop the files into the account's Maildir ``new/`` as a delivery agent would
    (APPEND refuses some of them, e.g. with a NUL, and would take minutes)."""
    with server.client(account) as client:
        client.select_folder("INBOX")  # Dovecot creates the Maildir
    new = server.maildir(account) / "new"
    new.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(paths):
        (new / f"{1_700_000_000 + n}.M{n}P1.fuzz").write_bytes(path.read_bytes())


def test_mutated_mail_through_a_real_imap_poll(
    fuzzed: tuple[int, list[Path]],
    database: str,
    tmp_path: Path,
    dovecot: Dovecot,  # noqa: F811
    account: Account,
) -> None:
    require_service(IMAP_COUNT > 0, "FUZZ_IMAP_COUNT=0")
    seed, paths = fuzzed
    paths = paths[:IMAP_COUNT]
    run("init-db", tmp_path, database)
    deliver_to_maildir(dovecot, account, paths)
    command = (
        f"mailbox add fuzz --address soporte@aclara.mx --imap-host {dovecot.host} "
        f"--imap-port {dovecot.port} --imap-security none --imap-user {account.user} "
        "--password-stdin --processed-folder Procesados"
    )
    added = helpdesk(command, tmp_path, url=database, stdin=account.password + "\n")
    assert added.returncode == 0, added.stderr

    polled = run("poll-mail --once", tmp_path, database, timeout=POLL_TIMEOUT)
    reports = [json.loads(line) for line in polled.stdout.splitlines()]

    assert len(reports) == 1 and reports[0]["error"] is None, reports
    assert reports[0]["fetched"] == len(paths), f"seed {seed}: {reports}"
    rows = inbound_rows(database)
    assert sorted(r.uid for r in rows) == list(range(1, len(paths) + 1)), f"seed {seed}"
    for row in rows:
        assert row.action in VERDICTS, f"seed {seed}: uid {row.uid}"
        check_backed(row.action, row, f"seed {seed}: uid {row.uid}")
    first = counts(database)
    assert first["queued"] == 0, f"seed {seed}: {first}"
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search() == [], "every message left the inbox after its commit"

    again = run("poll-mail --once", tmp_path, database, timeout=POLL_TIMEOUT).stdout
    assert json.loads(again)["fetched"] == 0
    assert counts(database)["tickets"] == first["tickets"]
