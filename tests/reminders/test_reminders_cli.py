"""``helpdesk dunning run-due``, run as a user runs it: a real process on a SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from helpdesk.accounts.models import CollectionAccount
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.jobs import CRON_TABLE
from helpdesk.reminders.models import ReminderSchedule, ReminderStep
from helpdesk.tickets import services as tickets
from tests.conftest import app_config
from tests.test_cli import helpdesk, ok, one_error_line, sqlite_url

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A migrated SQLite file with a schedule, a due account and a disputed one."""
    ok(helpdesk("init-db", tmp_path))
    app = create_app(app_config(sqlite_url(tmp_path), tmp_path))
    with app.app_context():
        session = db.session
        session.add(
            ReminderSchedule(
                creditor="Banco Demo",
                portfolio="Tarjetas",
                name="Tarjetas",
                country="MX",
                created_at=NOW,
                updated_at=NOW,
                steps=[ReminderStep(offset_days=0, channel="email")],
            )
        )
        for number in ("MX-000001", "MX-000002"):
            contact = create_contact(
                session,
                name=f"Deudor {number}",
                email=f"{number.lower()}@correo.mx",
                actor=Actor.system("test"),
                now=NOW,
            )
            account = CollectionAccount(
                number=number,
                creditor="Banco Demo",
                portfolio="Tarjetas",
                contact=contact,
                balance=Decimal("2500.00"),
                currency="MXN",
                next_due_date=date(2026, 11, 23),
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(account)
        session.flush()
        tickets.open_ticket(
            session,
            contact=account.contact,
            folio_prefix=app.config["FOLIO_PREFIX"],
            actor=Actor.for_contact(account.contact),
            now=NOW,
            subject="Aclaración",
            text="Ese saldo no es mío.",
            channel="email",
            type="dispute",
            accounts=[account],
        )
        session.commit()
        db.engine.dispose()
    return tmp_path


def run_due(home: Path, now: str) -> dict:
    return json.loads(ok(helpdesk(f"dunning run-due --now {now} --json", home)))


def outbox(home: Path) -> list[Path]:
    return sorted((home / "data" / "outbox").glob("*.eml"))


def test_run_due_prints_what_it_sent_deferred_and_skipped(home: Path) -> None:
    night = run_due(home, "2026-11-24T05:30:00Z")  # 23:30 in Mexico City
    assert night == {
        "sent": [],
        "deferred": [
            {
                "account": "MX-000001",
                "step": "D+0/email",
                "until": "2026-11-24T13:00:00+00:00",
                "reason": "contact_window",
            }
        ],
        "skipped": [{"account": "MX-000002", "step": "D+0/email", "reason": "hold"}],
    }
    assert outbox(home) == []

    morning = run_due(home, "2026-11-24T13:00:00Z")
    assert morning["sent"] == [{"account": "MX-000001", "step": "D+0/email", "channel": "email"}]
    (mail,) = outbox(home)  # development: no SMTP server, the outbox has it
    text = mail.read_text()
    assert "To: Deudor MX-000001 <mx-000001@correo.mx>" in text
    assert "Auto-Submitted: auto-generated" in text

    again = run_due(home, "2026-11-24T13:05:00Z")
    assert again["sent"] == [] and again["deferred"] == []
    assert len(outbox(home)) == 1


def test_run_due_without_json_prints_a_table(home: Path) -> None:
    output = ok(helpdesk("dunning run-due --now 2026-11-24T13:00:00", home))
    lines = output.strip().splitlines()
    assert lines[-1] == "1 sent, 0 deferred, 1 skipped"
    assert any(line.split()[:3] == ["sent", "MX-000001", "D+0/email"] for line in lines)
    assert any(line.split() == ["skipped", "MX-000002", "D+0/email", "hold"] for line in lines)


def test_a_bad_now_is_one_error_line(home: Path) -> None:
    line = one_error_line(helpdesk("dunning run-due --now mañana --json", home), code=1)
    assert "--now" in line


def test_the_dispatcher_runs_from_cron() -> None:
    (entry,) = [e for e in CRON_TABLE if e.name == "dunning.run_due"]
    assert entry.func == "helpdesk.reminders.jobs.run_due_job"
    assert entry.interval and entry.interval <= 600
