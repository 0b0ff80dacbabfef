"""The ``helpdesk`` command, run as a user runs it: a real process on a SQLite file."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select

from helpdesk.app import create_app
from helpdesk.extensions import db
from helpdesk.tickets.models import Message
from helpdesk.tickets.vocabulary import Direction, Status, TicketType
from tests.conftest import SECRET, app_config

HELPDESK = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "helpdesk"
SUMMARY = re.compile(r"demo data: (\d+) tickets, (\d+) debtors, (\d+) queues \((.+)\)")
SPANISH_WORDS = {"de", "la", "el", "que", "mi", "su", "en", "me", "por", "le", "un", "con", "es"}
ENGLISH_WORDS = {"the", "and", "your", "please", "we", "you"}
SUMMARY_KEYS = {"folio", "subject", "type", "status", "priority", "channel", "queue", "assignee"}
SUMMARY_KEYS |= {"contact", "accounts", "created_at"}


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{home / 'aclara.sqlite3'}"


def helpdesk(
    command: str,
    home: Path,
    url: str | None = None,
    stdin: str | None = None,
    *,
    timeout: float = 120,
    **env: str | None,
) -> subprocess.CompletedProcess[str]:
    """Run ``helpdesk COMMAND`` in ``home``, on its SQLite file unless ``url`` is given;
    ``env`` adds (or with None removes) environment variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ.pop("REDIS_URL", None)
    environ.update(
        HELPDESK_DATABASE_URL=url or sqlite_url(home),
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_DATA_DIR=str(home / "data"),
    )
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [str(HELPDESK), *shlex.split(command)],
        cwd=home,
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    """A failure a user can fix: non-zero exit, one line on stderr, no traceback."""
    assert result.returncode != 0
    if code is not None:
        assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = ok(helpdesk("--help", tmp_path))
    for command in ("init-db", "create-user", "demo", "run", "worker", "tickets"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), f"{command} missing:\n{out}"


# --- init-db and create-user --------------------------------------------------------


def create_user(home: Path, email: str, password: str) -> subprocess.CompletedProcess[str]:
    command = f"create-user --email {email} --name 'Laura Pineda' --role agent --password-stdin"
    return helpdesk(command, home, stdin=password + "\n")


@pytest.fixture(scope="module")
def staff_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file, then ``init-db`` and one ``create-user``."""
    home = tmp_path_factory.mktemp("staff")
    ok(helpdesk("init-db", home))
    assert "laura@aclara.mx" in ok(create_user(home, "laura@aclara.mx", "una clave muy larga"))
    return home


def test_created_user_can_sign_in(staff_home: Path, tmp_path: Path) -> None:
    app = create_app(app_config(sqlite_url(staff_home), tmp_path))
    response = app.test_client().post(
        "/login", data={"email": "laura@aclara.mx", "password": "una clave muy larga"}
    )
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tickets")


def test_create_user_refuses_a_duplicate_email(staff_home: Path) -> None:
    line = one_error_line(create_user(staff_home, "LAURA@aclara.mx", "otra clave muy larga"))
    assert "correo" in line or "email" in line


def test_create_user_refuses_a_short_password(staff_home: Path) -> None:
    line = one_error_line(create_user(staff_home, "pedro@aclara.mx", "corta"))
    assert "10" in line


# --- demo and tickets ---------------------------------------------------------------


class Demo(NamedTuple):
    home: Path
    output: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One SQLite file with ``init-db`` and ``demo`` (which takes a few seconds)."""
    home = tmp_path_factory.mktemp("demo")
    ok(helpdesk("init-db", home))
    return Demo(home, ok(helpdesk("demo", home)))


@pytest.fixture(scope="module")
def demo_home(demo: Demo) -> Path:
    return demo.home


@pytest.fixture(scope="module")
def all_tickets(demo_home: Path) -> list[dict[str, Any]]:
    return json.loads(ok(helpdesk("tickets list --json --limit 10000", demo_home)))


def test_demo_creates_the_data_and_prints_the_logins(demo: Demo) -> None:
    output = demo.output
    assert SUMMARY.search(output).groups() == ("500", "200", "4", "created")
    logins = re.findall(r"^\s+(\w+)\s+(\S+@demo\.aclara\.mx)$", output, re.MULTILINE)
    assert len({email for _role, email in logins}) == 6
    assert {role for role, _email in logins} == {"admin", "manager", "supervisor", "agent"}
    assert "password: aclara-demo-2026" in output


def test_demo_a_second_time_changes_nothing(demo_home: Path) -> None:
    again = ok(helpdesk("demo", demo_home))
    assert SUMMARY.search(again).groups() == ("500", "200", "4", "already there")


def test_demo_data_makes_sense(demo_home: Path, all_tickets: list[dict[str, Any]]) -> None:
    assert len(all_tickets) == 500
    now = datetime.now(UTC)
    opened = [datetime.fromisoformat(t["created_at"]) for t in all_tickets]
    assert all(now - timedelta(days=90, hours=1) < at <= now for at in opened)
    assert {(now - at) // timedelta(days=30) for at in opened} >= {0, 1, 2}  # spread out
    types = {t["type"] for t in all_tickets}
    assert len(types) >= 5 and types <= set(TicketType)
    assert len({t["status"] for t in all_tickets}) >= 4
    assert len({t["channel"] for t in all_tickets}) >= 4
    assert all(t["accounts"] for t in all_tickets)
    assert {a["currency"] for t in all_tickets for a in t["accounts"]} == {"MXN"}

    app = create_app(app_config(sqlite_url(demo_home), demo_home))
    with app.app_context():
        texts = db.session.scalars(select(Message.text)).all()
        db.engine.dispose()
    assert len(texts) > len(all_tickets)
    for text in texts:
        words = set(re.findall(r"\w+", text.lower()))
        assert words & SPANISH_WORDS and not words & ENGLISH_WORDS, text


def test_tickets_list_newest_first_without_messages(
    demo_home: Path, all_tickets: list[dict[str, Any]]
) -> None:
    tickets = json.loads(ok(helpdesk("tickets list --json --limit 5", demo_home)))
    assert [t["folio"] for t in tickets] == [t["folio"] for t in all_tickets[:5]]
    created = [datetime.fromisoformat(t["created_at"]) for t in all_tickets]
    assert created == sorted(created, reverse=True)
    for ticket in tickets:
        assert ticket.keys() >= SUMMARY_KEYS
        assert "messages" not in ticket


def test_tickets_list_filters_by_status(demo_home: Path, all_tickets: list[dict[str, Any]]) -> None:
    resolved = json.loads(
        ok(helpdesk("tickets list --json --status resolved --limit 10000", demo_home))
    )
    assert {t["status"] for t in resolved} == {Status.RESOLVED}
    assert len(resolved) == sum(t["status"] == Status.RESOLVED for t in all_tickets)


def test_tickets_list_refuses_an_unknown_status(demo_home: Path) -> None:
    result = helpdesk("tickets list --json --status bogus", demo_home)
    assert result.returncode != 0
    assert "unknown status 'bogus'" in result.stderr and "Traceback" not in result.stderr


def test_tickets_show_prints_the_conversation(
    demo_home: Path, all_tickets: list[dict[str, Any]]
) -> None:
    folio = next(t["folio"] for t in all_tickets if t["status"] == Status.RESOLVED)
    ticket = json.loads(ok(helpdesk(f"tickets show {folio} --json", demo_home)))
    assert ticket["folio"] == folio
    assert len(ticket["messages"]) >= 2
    for message in ticket["messages"]:
        assert message["direction"] in set(Direction)
        assert message["channel"] and message["text"]


def test_tickets_show_an_unknown_folio(demo_home: Path) -> None:
    line = one_error_line(helpdesk("tickets show ACL-1999-000001 --json", demo_home))
    assert "ACL-1999-000001" in line


# --- errors a user can fix ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nobody@127.0.0.1:1/x",
        "not a database url",
        "postgresql://nobody@127.0.0.1:noport/x",
    ],
    ids=["unreachable", "garbage", "bad-port"],
)
def test_bad_database_url_gives_one_line(url: str, tmp_path: Path) -> None:
    line = one_error_line(helpdesk("tickets list --json", tmp_path, url), code=2)
    assert line.startswith("helpdesk:")


def test_unmigrated_database_suggests_init_db(tmp_path: Path) -> None:
    line = one_error_line(helpdesk("tickets list --json", tmp_path), code=2)
    assert line.startswith("helpdesk:") and "helpdesk init-db" in line


def test_production_without_secret_key(tmp_path: Path) -> None:
    result = helpdesk(
        "tickets list --json",
        tmp_path,
        HELPDESK_ENV="production",
        HELPDESK_SECRET_KEY=None,
    )
    line = one_error_line(result, code=2)
    assert line.startswith("helpdesk:") and "HELPDESK_SECRET_KEY" in line


def test_run_serves_the_spanish_sign_in_page(demo_home: Path) -> None:
    """`helpdesk run` (what `make run` ends with) really serves the app."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ.update(
        HELPDESK_DATABASE_URL=sqlite_url(demo_home),
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_DATA_DIR=str(demo_home / "data"),
    )
    server = subprocess.Popen(
        [str(HELPDESK), "run", "--port", str(port)],
        cwd=demo_home,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = ""
        for _ in range(100):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/login", headers={"Accept-Language": "es-MX"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Iniciar sesión" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
