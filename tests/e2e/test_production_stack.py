"""The production stack on this machine, as docs/deployment.md runs it: migrations, then
gunicorn (2 workers, deploy/gunicorn.conf.py), one RQ worker per queue and the cron
process, against PostgreSQL and Redis. One email arrives through Dovecot and one
WhatsApp message through the signed webhook; both must become tickets whose
acknowledgements went out (SMTP and the Graph API stand-ins received them). Then
everything this test started is stopped, and must stop.

``make prod-check`` runs this test alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy import create_engine, text

from helpdesk.channels.whatsapp.signature import sign
from helpdesk.jobs import QUEUES
from tests.channels.email.mail import raw_email
from tests.channels.email.test_smtp import Inbox, free_port
from tests.channels.whatsapp import graph as graph_server
from tests.conftest import (
    REDIS_TEST_URL,
    _port_open,
    create_postgres_database,
    drop_postgres_database,
    require_service,
)
from tests.services.dovecot import Dovecot, dovecot, dovecot_server  # noqa: F401

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WHATSAPP_FIXTURE = ROOT / "tests/fixtures/whatsapp/text.json"
APP_SECRET = "prod-check-app-secret"
PHONE_NUMBER_ID = "109876543210"


@dataclass
class Stack:
    """The processes started, their logs, and what stops them."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self, name: str, *command: str) -> str:
        done = subprocess.run(
            command, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=180,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *command: str) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> None:
        dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
        assert not dead, f"stopped early: {dead}\n{self.tail()}"

    def tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to each process group, as systemd does; SIGKILL after 20 s."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        return {name: process.returncode for name, process in self.processes.items()}


def wait_for(check: Callable[[], Any], what: str, stack: Stack, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.alive()
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}\n{stack.tail()}")


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def graph() -> Iterator[graph_server.Graph]:
    state, server = graph_server.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def production_env(tmp_path: Path, smtp_server, graph) -> Iterator[dict[str, str]]:
    require_service(_port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    database = create_postgres_database()
    redis = Redis.from_url(REDIS_TEST_URL)
    redis.flushdb()
    _inbox, smtp_port = smtp_server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "GUNICORN_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        HELPDESK_ENV="production",
        HELPDESK_SECRET_KEY="prod-check-secret-key-0123456789abcdef",
        HELPDESK_DATABASE_URL=database,
        REDIS_URL=REDIS_TEST_URL,
        HELPDESK_DATA_DIR=str(tmp_path / "data"),  # the shared volume of the deployment
        HELPDESK_SMTP_URL=f"smtp+plain://127.0.0.1:{smtp_port}",
        HELPDESK_MAIL_FROM="aclaraciones@cobranza.example.mx",
        HELPDESK_WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        HELPDESK_WHATSAPP_TOKEN=graph_server.TOKEN,
        HELPDESK_WHATSAPP_APP_SECRET=APP_SECRET,
        HELPDESK_WHATSAPP_VERIFY_TOKEN="prod-check-verify",
        HELPDESK_WHATSAPP_GRAPH_URL=graph.base_url,
        GUNICORN_WORKERS="2",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
    )
    try:
        yield env
    finally:
        redis.flushdb()
        drop_postgres_database(database)


def test_the_whole_stack_turns_an_email_and_a_whatsapp_message_into_acknowledged_tickets(
    production_env: dict[str, str],
    tmp_path: Path,
    dovecot: Dovecot,  # noqa: F811
    smtp_server: tuple[Inbox, int],
    graph: graph_server.Graph,
) -> None:
    helpdesk = str(BIN / "helpdesk")
    stack = Stack(env=production_env, logs=tmp_path)
    account = dovecot.new_account()
    stack.run("migrate", helpdesk, "init-db")  # migrations on deploy
    add = subprocess.run(
        [helpdesk, "mailbox", "add", "aclaraciones",
         "--address", "aclaraciones@cobranza.example.mx",
         "--imap-host", dovecot.host, "--imap-port", str(dovecot.port), "--imap-security", "none",
         "--imap-user", account.user, "--password-stdin"],
        input=account.password, env=stack.env, cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    dovecot.append(account, raw_email(message_id="prod-check@correo.mx"))

    try:
        stack.start("web", str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app")
        for queue in QUEUES:
            stack.start(f"worker-{queue}", helpdesk, "worker", "--queue", queue)
        stack.start("cron", helpdesk, "cron")
        base = f"http://{production_env['GUNICORN_BIND']}"
        wait_for(lambda: http_status(f"{base}/readyz") == 200, "/readyz to answer 200", stack)

        body = WHATSAPP_FIXTURE.read_bytes()
        request = urllib.request.Request(  # noqa: S310  (loopback)
            f"{base}/webhooks/whatsapp", data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "X-Hub-Signature-256": sign(body, APP_SECRET.encode())},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 200

        engine = create_engine(production_env["HELPDESK_DATABASE_URL"])
        acknowledged = text(
            "SELECT t.channel, t.folio FROM tickets t JOIN messages m ON m.ticket_id = t.id"
            " WHERE m.is_automatic AND m.direction = 'out' AND m.delivery_status = 'sent'"
        )

        def both_acknowledged() -> dict[str, str] | None:
            with engine.connect() as connection:
                rows = dict(connection.execute(acknowledged).all())
            return rows if {"email", "whatsapp"} <= set(rows) else None

        folios = wait_for(both_acknowledged, "both tickets acknowledged", stack)
        engine.dispose()
        inbox, _port = smtp_server
        (ack_mail,) = inbox.messages
        assert folios["email"] in str(ack_mail["Subject"]) + ack_mail.get_body().get_content()
        ack_whatsapp, acuse = graph.sent()  # the text, then the acuse de recibo as a document
        assert folios["whatsapp"] in ack_whatsapp["text"]["body"]
        assert acuse["document"]["filename"] == f"acuse-{folios['whatsapp']}.pdf"
        stack.alive()
    finally:
        codes = stack.stop()
    assert all(code is not None for code in codes.values()), codes
    assert not any(p.poll() is None for p in stack.processes.values())
