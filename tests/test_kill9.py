"""``kill -9`` a real mail poll at random points, then count: nothing lost, nothing twice.

``helpdesk poll-mail --once`` runs as a subprocess against the real Dovecot on a SQLite
file, sending acknowledgements to a real SMTP server (aiosmtpd, in this process). Each
round appends new mail and kills the poll at a random moment of a typical poll's run —
at least ``KILLS`` kills per variant:

* without Redis: jobs inline, in the poll's process (what a kill loses is only in memory);
* with Redis and a real ``helpdesk worker`` process, killed too now and then (with its
  work horse), on PostgreSQL as deployed (SQLite's single writer makes a poll and a worker
  writing at once fail with "database is locked"), the poll lock's time to live shortened
  to one second so rounds need not wait a minute (``tests/channels/email/test_poll_lock.py``
  checks the real setting).

Then a clean poll, ``helpdesk jobs run-pending`` (the delivery sweep, as if eleven
minutes had passed, so every claim a killed process held has lapsed) and, with Redis, a
burst worker. It counts:

* every appended mail is one inbound ticket message, or one quarantine row — exactly one;
* every ticket got one acknowledgement row, none left ``queued`` or ``sending``;
* the SMTP server received no message twice, and every acknowledgement marked ``sent``
  exactly once. An acknowledgement whose sender was killed *after handing it to the
  server* is ``failed`` "interrupted" for the agent (the chosen rule: never resent
  blindly, see ``helpdesk/tickets/delivery.py``); it arrived at most once, and there is at
  most one per kill;
* a second sweep finds nothing to do.

Kill points are random with a fixed seed when ``CI=true`` (printed either way, so a local
failure can be replayed with ``KILL9_SEED``).
"""

from __future__ import annotations

import contextlib
import email
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.channels.email.test_imap import folder_uids
from tests.conftest import (
    IN_CI,
    REDIS_TEST_URL,
    SECRET,
    create_postgres_database,
    drop_postgres_database,
    require_service,
)
from tests.services.dovecot import (  # noqa: F401
    Account,
    Dovecot,
    _children,
    dovecot,
    dovecot_server,
)
from tests.test_cli import HELPDESK, sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("KILL9_KILLS") or 20)  # fewer only to debug locally
MAILS_PER_ROUND = 15
SEED = int(os.environ.get("KILL9_SEED") or (20261204 if IN_CI else random.randrange(2**31)))


class Received:
    """The aiosmtpd handler: every Message-ID the server accepted, in order."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=policy.default)
        self.message_ids.append(str(mail["Message-ID"]).strip().strip("<>"))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Received, int]]:
    from tests.channels.email.test_smtp import free_port

    received, port = Received(), free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@dataclass
class Run:
    """One variant's run: what was appended, how often and where it was killed."""

    home: Path
    url: str
    environ: dict[str, str]
    rng: random.Random
    message_ids: list[str] = field(default_factory=list)
    kills: int = 0
    worker_kills: int = 0
    rounds: int = 0
    startup: float = 0.0
    typical: float = 0.0
    modes: Counter[str] = field(default_factory=Counter)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    engine: Any = None

    def stop_all(self) -> None:
        """Whatever happens, no worker or poll outlives the test."""
        for process in self.processes:
            kill(process)
        if self.engine is not None:
            self.engine.dispose()


def mail(n: int, tag: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Deudor {n} <deudor{n}.{tag}@correo.mx>"  # one sender each: one ack each
    message["To"] = "soporte@aclara.mx"
    message["Subject"] = f"Aclaración de cargo {n}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<kill9-{tag}-{n}@correo.mx>"
    message.set_content(f"No reconozco el cargo número {n} de $1,250.00 de mi estado de cuenta.")
    return message.as_bytes()


def append_round(run: Run, server: Dovecot, account: Account, tag: str) -> None:
    start = len(run.message_ids)
    with server.client(account) as client:
        for n in range(start, start + MAILS_PER_ROUND):
            client.append("INBOX", mail(n, tag))
            run.message_ids.append(f"kill9-{tag}-{n}@correo.mx")


def environment(home: Path, url: str, smtp_port: int, redis_url: str | None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ.pop("REDIS_URL", None)
    environ.update(
        HELPDESK_DATABASE_URL=url,
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_DATA_DIR=str(home / "data"),
        HELPDESK_SMTP_URL=f"smtp+plain://127.0.0.1:{smtp_port}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    if redis_url:
        environ.update(REDIS_URL=redis_url, HELPDESK_MAIL_POLL_LOCK_SECONDS="1")
    return environ


def start(run: Run, *args: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(HELPDESK), *args],
        cwd=run.home,
        env=run.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a worker's work horse dies with it
    )
    run.processes.append(process)
    return process


def kill(process: subprocess.Popen[bytes]) -> bool:
    """``kill -9`` the process and its group; True when it was still running."""
    alive = process.poll() is None
    # RQ's work horse calls setsid(): its own group, so it is found by parentage.
    for pid in descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return alive


def descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        children = [c for parent in frontier for c in _children(parent)]
        found += children
        frontier = children
    return found


def run_command(run: Run, *args: str) -> str:
    result = subprocess.run(
        [str(HELPDESK), *args],
        cwd=run.home,
        env=run.environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def timed_poll(run: Run) -> float:
    began = time.monotonic()
    run_command(run, "poll-mail", "--once")
    return time.monotonic() - began


def wait_for_lock(redis: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while redis.keys("aclara:lock:mail-poll:*") and time.monotonic() < deadline:
        time.sleep(0.05)


def kill_rounds(
    run: Run, server: Dovecot, account: Account, tag: str, received: Received, redis: Any = None
) -> None:
    """Append a round of mail, start a poll and ``kill -9`` it; until ``KILLS`` polls were
    killed while running. Where, at random (start-up only imports and connects, so it is
    mostly skipped):

    * ``time``: anywhere from the end of start-up to the end of a typical poll;
    * ``ingested``: just after the round's rows were committed (the IMAP move, the
      cursor, the after-commit jobs: the enqueue with Redis, the first sends without);
    * ``sending`` (without Redis): right after the SMTP server accepted the k-th
      acknowledgement of the round (the next one is being claimed, handed over or sent).

    With Redis the poll only enqueues; every other round the worker is killed too: as
    soon as it holds a claim (mid-send), or at a random moment.
    """
    worker = start(run, "worker", "--queue", "mail") if redis is not None else None
    run.startup = timed_poll(run)  # nothing new: start-up, log in, SEARCH, exit
    append_round(run, server, account, tag)
    run.typical = timed_poll(run)  # one round's mail, uninterrupted
    while run.kills < KILLS and run.rounds < 3 * KILLS:
        run.rounds += 1
        if redis is not None:
            wait_for_lock(redis)  # a killed poll's lock: gone within its time to live
        append_round(run, server, account, tag)
        before, sent = inbound_rows(run, wait=True), len(received.message_ids)
        # With Redis the poll only enqueues: the worker does the sending (killed below).
        mode = run.rng.choice(["time", "ingested"] + (["sending"] if redis is None else []))
        process = start(run, "poll-mail", "--once")
        if mode == "time":
            time.sleep(run.rng.uniform(0.8 * run.startup, max(run.typical, run.startup)))
        elif mode == "ingested":
            wait_until(lambda: inbound_rows(run) > before, process)  # noqa: B023
            time.sleep(run.rng.uniform(0, 0.05))
        else:
            k = run.rng.randint(1, MAILS_PER_ROUND - 1)
            wait_until(lambda: len(received.message_ids) >= sent + k, process)  # noqa: B023
        run.modes[mode] += 1
        run.kills += kill(process)
        if worker is not None and run.rng.random() < 0.5:
            # as soon as it holds a claim (queued → sending), or at a random moment
            if run.rng.random() < 0.5:
                wait_until(lambda: bool(claimed(run)), worker, timeout=2)
            else:
                time.sleep(run.rng.uniform(0, 0.5))
            run.worker_kills += kill(worker)
            worker = start(run, "worker", "--queue", "mail")
    if worker is not None:
        kill(worker)
    assert run.kills >= KILLS, f"only {run.kills} kills in {run.rounds} rounds (seed {SEED})"


def inbound_rows(run: Run, *, wait: bool = False) -> int:
    """Inbound rows committed so far; -1 while a commit holds the file (unless ``wait``)."""
    try:
        return rows(run, "SELECT count(*) FROM inbound_emails", timeout=5 if wait else 0.05)[0][0]
    except OperationalError:  # SQLite: locked by a commit, not yet
        return -1


def claimed(run: Run) -> int:
    return rows(run, "SELECT count(*) FROM messages WHERE delivery_status = 'sending'")[0][0]


def rows(run: Run, query: str, *, timeout: float = 5) -> list[Any]:
    if run.url.startswith("sqlite"):
        engine = create_engine(run.url, poolclass=NullPool, connect_args={"timeout": timeout})
    else:
        engine = run.engine = run.engine or create_engine(run.url, pool_size=1)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        if engine is not run.engine:
            engine.dispose()


def wait_until(condition: Any, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline and not condition():
        time.sleep(0.002)


def settle(run: Run, redis: Any = None) -> dict[str, int]:
    """A clean poll, then the sweep as if 11 minutes had passed; the sweep's report."""
    if redis is not None:
        wait_for_lock(redis)
    report = json.loads(run_command(run, "poll-mail", "--once").splitlines()[-1])
    assert report.get("error") is None and "skipped" not in report, report
    if redis is not None:
        run_command(run, "worker", "--burst", "--queue", "mail")
    later = (datetime.now(UTC) + timedelta(minutes=11)).isoformat()
    swept = json.loads(run_command(run, "jobs", "run-pending", "--now", later))
    if redis is not None:
        run_command(run, "worker", "--burst", "--queue", "mail")
    again = json.loads(run_command(run, "jobs", "run-pending", "--now", later))
    assert not any(again.values()), f"a second sweep had work: {again}"
    return swept


def count(
    run: Run, received: Received, server: Dovecot, account: Account
) -> dict[str, Any]:
    """Assert the promises; return the numbers for the report."""
    inbound = Counter(
        (row[0] or "").strip("<>")
        for row in rows(run, "SELECT external_id FROM messages WHERE direction='in'")
    )
    quarantined = Counter(
        (row[0] or "").strip("<>")
        for row in rows(
            run, "SELECT message_id_header FROM inbound_emails WHERE action='quarantined'"
        )
    )
    acks = rows(
        run,
        "SELECT external_id, delivery_status, delivery_error FROM messages "
        "WHERE direction='out' AND is_automatic",
    )
    tickets = rows(run, "SELECT count(*) FROM tickets")[0][0]
    context = f"(seed {SEED})"

    for message_id in run.message_ids:
        assert inbound[message_id] + quarantined[message_id] == 1, (message_id, context)
    assert set(inbound) | set(quarantined) <= set(run.message_ids), context
    assert tickets == len(acks) == inbound.total(), context

    statuses = Counter(status for _, status, _ in acks)
    assert set(statuses) <= {"sent", "failed"}, (statuses, context)
    arrived = Counter(received.message_ids)
    assert all(times == 1 for times in arrived.values()), (arrived.most_common(3), context)
    ack_ids = {external_id for external_id, _, _ in acks}
    assert set(arrived) <= ack_ids, context
    interrupted = []
    for external_id, status, error in acks:
        if status == "sent":
            assert arrived[external_id] == 1, (external_id, context)
        else:
            assert error.startswith("Interrumpido"), (error, context)
            interrupted.append(external_id)
    assert len(interrupted) <= run.kills + run.worker_kills, context
    assert folder_uids(server, account) == [], "mail left in the inbox"
    assert len(folder_uids(server, account, "Procesados")) == len(run.message_ids)
    return {
        "seed": SEED,
        "mails": len(run.message_ids),
        "rounds": run.rounds,
        "startup_s": round(run.startup, 2),
        "typical_poll_s": round(run.typical, 2),
        "kills": run.kills,
        "worker_kills": run.worker_kills,
        "kill_points": dict(run.modes),
        "acknowledgements_sent": statuses["sent"],
        "interrupted": len(interrupted),
        "interrupted_that_arrived": sum(arrived[i] for i in interrupted),
        "quarantined": quarantined.total(),
    }


def prepare(
    home: Path, url: str, server: Dovecot, smtp_port: int, redis_url: str | None
) -> tuple[Run, Account]:
    run = Run(home, url, environment(home, url, smtp_port, redis_url), random.Random(SEED))
    run_command(run, "init-db")
    account = server.new_account()
    run.environ["KILL9_IMAP_PASSWORD"] = account.password
    out = run_command(
        run,
        *f"mailbox add soporte --address soporte@aclara.mx --imap-host {server.host} "
        f"--imap-port {server.port} --imap-security none --imap-user {account.user} "
        "--password-env KILL9_IMAP_PASSWORD --processed-folder Procesados".split(),
    )
    assert out.startswith("added mailbox soporte")
    return run, account


def report(name: str, numbers: dict[str, Any], started: float) -> None:
    numbers["seconds"] = round(time.monotonic() - started, 1)
    print(f"\nkill -9 {name}: {json.dumps(numbers)}", file=sys.stderr)


def test_kill_9_without_redis_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
    dovecot: Dovecot,  # noqa: F811
    smtp_server: tuple[Received, int],
) -> None:
    began = time.monotonic()
    received, port = smtp_server
    run, account = prepare(tmp_path, sqlite_url(tmp_path), dovecot, port, None)

    try:
        kill_rounds(run, dovecot, account, "inline", received)
        swept = settle(run)
    finally:
        run.stop_all()

    numbers = count(run, received, dovecot, account)
    report("without Redis", {**numbers, "swept": swept}, began)


@pytest.mark.redis
def test_kill_9_with_redis_and_a_worker_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
    dovecot: Dovecot,  # noqa: F811
    smtp_server: tuple[Received, int],
) -> None:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    redis = Redis.from_url(REDIS_TEST_URL)
    try:
        redis.ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    redis.flushdb()
    began = time.monotonic()
    received, port = smtp_server
    url = create_postgres_database()  # workers and polls in parallel: PostgreSQL, as deployed
    run, account = prepare(tmp_path, url, dovecot, port, REDIS_TEST_URL)
    try:
        kill_rounds(run, dovecot, account, "redis", received, redis)
        swept = settle(run, redis)
        numbers = count(run, received, dovecot, account)
    finally:
        run.stop_all()
        redis.flushdb()
        drop_postgres_database(url)
    report("with Redis and a worker", {**numbers, "swept": swept}, began)
