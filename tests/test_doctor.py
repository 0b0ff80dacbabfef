"""``helpdesk doctor``: a healthy installation has nothing blocking; a broken one names
each problem and exits 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.email.mailboxes import add_mailbox
from helpdesk.channels.email.models import InboundEmail
from helpdesk.channels.whatsapp.numbers import add_number
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.doctor import BLOCKING, WARNING, diagnose, is_blocked
from tests.channels.whatsapp import graph as graph_server
from tests.conftest import REDIS_TEST_URL, _port_open, require_service
from tests.services.dovecot import Dovecot, dovecot, dovecot_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production(app: Any, **changes: Any) -> dict[str, Any]:
    config = dict(app.config)
    config.update(
        ENV="production",
        SMTP_URL="smtp://127.0.0.1:2525",
        MAIL_FROM="aclaraciones@cobranza.example.mx",
        PROXY_HOPS=1,
        REDIS_URL=REDIS_TEST_URL,
    )
    config.update(changes)
    return config


def add_whatsapp(session: Session, name: str, phone_number_id: str) -> None:
    add_number(
        session, name=name, phone_number_id=phone_number_id, display_number="+52 55 5000 0000",
        access_token=graph_server.TOKEN, app_secret="app-secret-for-doctor",
        verify_token=f"verify-{name}", settings=WhatsAppSettings.from_config(current_app.config),
        actor=Actor.system("test"), now=clock.now(),
    )


def test_a_healthy_installation_has_nothing_blocking(
    app, session: Session, dovecot: Dovecot, monkeypatch  # noqa: F811
) -> None:
    require_service(_port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    account = dovecot.new_account()
    add_mailbox(
        session, name="aclaraciones", email_address="aclaraciones@aclara.mx",
        imap_host=dovecot.host, imap_port=dovecot.port, imap_security="none",
        imap_user=account.user, password=account.password,
        secret_key=current_app.config["SECRET_KEY"], actor=Actor.system("test"), now=clock.now(),
    )
    graph, server = graph_server.start()
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", graph.base_url)
    add_whatsapp(session, "principal", "109876543210")
    try:
        findings = diagnose(session, production(app), migrations=MIGRATIONS, now=clock.now())
    finally:
        server.shutdown()

    assert not is_blocked(findings), findings
    if session.get_bind().dialect.name == "postgresql":
        assert findings == []
    else:
        assert [f.area for f in findings] == ["database"]  # SQLite in production: a warning


def test_a_broken_installation_names_every_problem(app, session: Session, monkeypatch) -> None:
    add_mailbox(
        session, name="caido", email_address="caido@aclara.mx", imap_host="127.0.0.1",
        imap_port=closed_port(), imap_security="none", imap_user="nadie", password="x",
        secret_key=current_app.config["SECRET_KEY"], actor=Actor.system("test"), now=clock.now(),
    )
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", f"http://127.0.0.1:{closed_port()}")
    add_whatsapp(session, "vencido", "109876543211")
    session.add(InboundEmail(
        sha256="0" * 64, size=3, source="file:test", action="quarantined",
        reason="unparseable", received_at=clock.now(),
    ))  # fmt: skip
    session.flush()
    config = production(app, SMTP_URL=None, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")

    findings = diagnose(session, config, migrations=MIGRATIONS, now=clock.now())

    blocking = [f.message for f in findings if f.severity == BLOCKING]
    warnings = [f.message for f in findings if f.severity == WARNING]
    assert any("HELPDESK_SMTP_URL" in m for m in blocking)
    assert any("Redis does not answer" in m for m in blocking)
    assert any("mailbox caido" in m for m in blocking)
    assert any("WhatsApp number vencido" in m for m in blocking)
    assert any("1 emails are in quarantine" in m for m in warnings)
    assert findings[0].severity == BLOCKING  # the ones that block come first


def test_the_command_exits_1_and_says_what_blocks(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.pop("REDIS_URL", None)
    env.update(
        HELPDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        HELPDESK_DATA_DIR=str(tmp_path / "data"),
    )
    run = subprocess.run(
        [str(Path(sys.executable).with_name("helpdesk")), "doctor"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "BLOCKING  database  migrations are pending: run `helpdesk init-db`" in run.stdout
    assert run.stdout.strip().endswith("1 blocking, 4 warnings")
