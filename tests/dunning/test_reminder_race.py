"""Two dispatcher processes and a dispute race for one due reminder, on PostgreSQL.

The reminder is sent at most once, and never after the dispute's hold has committed:
both the dispatcher and the hold take the account's row lock. The processes are real
(``spawn``), the database is a real PostgreSQL one shared by all of them; the test
orders the moves by watching ``pg_stat_activity`` for sessions waiting on a lock.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.dunning.models import (
    CollectionAccount,
    Hold,
    ReminderDispatch,
    ReminderSchedule,
    ReminderStep,
)
from helpdesk.extensions import db
from helpdesk.tickets import services as tickets
from tests.conftest import (
    app_config,
    create_postgres_database,
    drop_postgres_database,
    migrate_to_head,
)

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday 10:00 in Mexico City: in the window
SPAWN = multiprocessing.get_context("spawn")
WAIT = 60  # seconds; a spawned process needs a few to import the app


class Shared(NamedTuple):
    url: str
    home: Path
    app: Flask


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """One committed PostgreSQL database that every process of these tests uses."""
    url = create_postgres_database()  # fails under CI=true when PostgreSQL is missing
    home = tmp_path_factory.mktemp("race")
    app = create_app_for(url, home)
    migrate_to_head(app)
    try:
        yield Shared(url, home, app)
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_postgres_database(url)


def create_app_for(url: str, home: Path) -> Flask:
    from helpdesk.app import create_app

    return create_app(app_config(url, home))


def dispatcher(url: str, home: str, pause: bool, locked: Any, go: Any, results: Any) -> None:
    """A dispatcher process: ``run_due``; with ``pause`` it stops once it holds the lock."""
    from helpdesk.dunning.reminders import run_due

    app = create_app_for(url, Path(home))
    with app.app_context():
        if pause:

            def hold_the_lock(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                if "FOR UPDATE" in statement and not locked.is_set():
                    locked.set()
                    go.wait(WAIT)

            event.listen(db.engine, "after_cursor_execute", hold_the_lock)
        results.put(run_due(db.session, now=NOW).as_json())
        db.engine.dispose()


def start_dispatcher(shared: Shared, *, pause: bool, locked: Any, go: Any, results: Any) -> Any:
    process = SPAWN.Process(
        target=dispatcher, args=(shared.url, str(shared.home), pause, locked, go, results)
    )
    process.start()
    return process


def due_account(app: Flask, portfolio: str) -> tuple[int, str]:
    """A committed account whose "on the due date: email" reminder is due at NOW."""
    with app.app_context():
        session = db.session
        session.add(
            ReminderSchedule(
                creditor="Banco Demo",
                portfolio=portfolio,
                name=portfolio,
                country="MX",
                is_active=True,
                created_at=NOW,
                updated_at=NOW,
                steps=[ReminderStep(offset_days=0, channel="email")],
            )
        )
        contact = create_contact(
            session,
            name="Deudora Carrera",
            email=f"carrera-{portfolio.lower().replace(' ', '-')}@correo.mx",
            actor=Actor.system("test"),
            now=NOW,
        )
        account = CollectionAccount(
            number=f"RACE-{portfolio[-1]}",
            creditor="Banco Demo",
            portfolio=portfolio,
            contact=contact,
            balance=1000,
            currency="MXN",
            status="active",
            next_due_date=date(2026, 11, 23),
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(account)
        session.commit()
        return account.id, account.number


def open_dispute(app: Flask, account_id: int, *, commit: bool = True) -> Any:
    """The third actor: a dispute for the account arrives (intake through the services)."""
    context = app.app_context()
    context.push()
    account = db.session.get(CollectionAccount, account_id)
    tickets.open_ticket(
        db.session,
        contact=account.contact,
        actor=Actor.for_contact(account.contact),
        now=NOW,
        subject="Aclaración de cargo",
        text="No reconozco este saldo.",
        channel="email",
        type="dispute",
        accounts=[account],
    )
    if commit:
        db.session.commit()
        db.session.remove()
        context.pop()
    return context


def lock_waiters(app: Flask) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def emails_for(home: Path, number: str) -> list[Path]:
    outbox = home / "data" / "outbox"
    return [p for p in outbox.glob("*.eml") if number in p.read_text(errors="replace")]


def sent_rows(app: Flask, account_id: int) -> list[ReminderDispatch]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ReminderDispatch).where(
                    ReminderDispatch.account_id == account_id, ReminderDispatch.status == "sent"
                )
            )
        )


def collect(results: Any, count: int) -> list[dict[str, Any]]:
    return [results.get(timeout=WAIT) for _ in range(count)]


def test_a_dispute_arriving_during_the_send_waits_and_the_reminder_goes_once(shared):
    account_id, number = due_account(shared.app, "Race 1")
    locked, go, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    first = start_dispatcher(shared, pause=True, locked=locked, go=go, results=results)
    assert locked.wait(WAIT), "the first dispatcher never locked the account"
    second = start_dispatcher(shared, pause=False, locked=locked, go=go, results=results)

    committed: dict[str, float] = {}

    def dispute() -> None:
        open_dispute(shared.app, account_id)
        committed["at"] = time.time()

    third = threading.Thread(target=dispute)
    third.start()
    # The second dispatcher and the dispute both wait for the first dispatcher's lock.
    wait_for(lambda: lock_waiters(shared.app) >= 2, "two sessions waiting on the row lock")
    assert "at" not in committed
    go.set()
    reports = collect(results, 2)
    third.join(WAIT)
    first.join(WAIT)
    second.join(WAIT)

    sent = [item for report in reports for item in report["sent"]]
    assert sent == [{"account": number, "step": "D+0/email", "channel": "email"}]
    assert len(sent_rows(shared.app, account_id)) == 1
    (email,) = emails_for(shared.home, number)
    assert email.stat().st_mtime <= committed["at"]  # it left before the hold committed
    with shared.app.app_context():
        assert db.session.scalar(select(Hold.id).where(Hold.account_id == account_id))


def test_a_dispute_committed_first_stops_both_dispatchers(shared):
    account_id, number = due_account(shared.app, "Race 2")
    context = open_dispute(shared.app, account_id, commit=False)  # holds the row lock
    try:
        results, unused = SPAWN.Queue(), SPAWN.Event()
        workers = [
            start_dispatcher(shared, pause=False, locked=unused, go=unused, results=results)
            for _ in range(2)
        ]
        wait_for(lambda: lock_waiters(shared.app) >= 2, "both dispatchers waiting on the lock")
        db.session.commit()
    finally:
        db.session.remove()
        context.pop()
    reports = collect(results, 2)
    for worker in workers:
        worker.join(WAIT)

    assert [r["sent"] for r in reports] == [[], []]
    assert [r["skipped"] for r in reports] == [
        [{"account": number, "step": "D+0/email", "reason": "hold"}]
    ] * 2
    assert sent_rows(shared.app, account_id) == []
    assert emails_for(shared.home, number) == []
