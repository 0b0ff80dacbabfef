"""Two dispatcher processes and a dispute race for one due reminder, on PostgreSQL.

The reminder is sent at most once, and never after the dispute's hold has committed:
both the dispatcher and the hold take the account's row lock. The processes are real
(``spawn``), the database is a real PostgreSQL one shared by all of them; the test
orders the moves by watching ``pg_stat_activity`` for sessions waiting on a lock.

A new dispute would wait even without ``holds.lock_account`` (inserting rows that point
at the account takes PostgreSQL's key-share lock, which conflicts with ``FOR UPDATE``);
a *reopened* one only updates the hold row, so that case proves the explicit lock.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask, current_app
from sqlalchemy import event, select, text

from helpdesk.accounts.models import CollectionAccount
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.tickets import services as tickets
from helpdesk.tickets.queries import ticket_by_folio
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
SYSTEM = Actor.system("test")


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


def dispatcher(url: str, home: str, pause: bool, checked: Any, go: Any, results: Any) -> None:
    """A dispatcher process: ``run_due``. With ``pause`` it stops in the dangerous window:
    it holds the account's lock and has checked the holds, but has not sent yet."""
    from helpdesk.reminders.dispatcher import run_due

    app = create_app_for(url, Path(home))
    with app.app_context():
        if pause:
            seen = {"lock": False}

            def stop_after_the_hold_check(_c: Any, _k: Any, statement: str, *_: Any) -> None:
                seen["lock"] |= "FOR UPDATE" in statement
                if seen["lock"] and "FROM holds" in statement and not checked.is_set():
                    checked.set()
                    go.wait(WAIT)

            event.listen(db.engine, "after_cursor_execute", stop_after_the_hold_check)
        results.put(run_due(db.session, config=current_app.config, now=NOW).as_json())
        db.engine.dispose()


def start_dispatcher(shared: Shared, *, pause: bool, checked: Any, go: Any, results: Any) -> Any:
    process = SPAWN.Process(
        target=dispatcher, args=(shared.url, str(shared.home), pause, checked, go, results)
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


def open_dispute(app: Flask, account_id: int, *, now: datetime = NOW, commit: bool = True) -> Any:
    """The third actor: a dispute for the account arrives (intake through the services)."""
    context = app.app_context()
    context.push()
    account = db.session.get(CollectionAccount, account_id)
    ticket = tickets.open_ticket(
        db.session,
        contact=account.contact,
        folio_prefix=app.config["FOLIO_PREFIX"],
        actor=Actor.for_contact(account.contact),
        now=now,
        subject="Aclaración de cargo",
        text="No reconozco este saldo.",
        channel="email",
        type="dispute",
        accounts=[account],
    )
    if not commit:
        return context
    db.session.commit()
    folio = ticket.folio
    db.session.remove()
    context.pop()
    return folio


def resolve_long_ago(app: Flask, folio: str) -> None:
    """The dispute was resolved against the debtor; the grace period is over by NOW."""
    with app.app_context():
        ticket = ticket_by_folio(db.session, folio)
        long_ago = NOW - timedelta(days=10)
        holds.record_outcome(
            db.session,
            ticket,
            "unfavourable",
            grace=holds.grace_period(current_app.config),
            actor=SYSTEM,
            now=long_ago,
        )
        tickets.set_status(db.session, ticket, "resolved", actor=SYSTEM, now=long_ago)
        db.session.commit()


def reopen(app: Flask, folio: str) -> None:
    with app.app_context():
        ticket = ticket_by_folio(db.session, folio)
        tickets.set_status(db.session, ticket, "open", actor=SYSTEM, now=NOW)
        db.session.commit()


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


def race_during_send(shared: Shared, account_id: int, third_actor: Any) -> tuple[list, float]:
    """Dispatcher one stops after its hold check; dispatcher two and ``third_actor`` (who
    puts the account on hold) must both wait for its lock. Returns the reports and when
    the third actor's transaction had committed."""
    checked, go, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    first = start_dispatcher(shared, pause=True, checked=checked, go=go, results=results)
    assert checked.wait(WAIT), "the first dispatcher never reached its hold check"
    second = start_dispatcher(shared, pause=False, checked=checked, go=go, results=results)
    committed: dict[str, float] = {}

    def act() -> None:
        third_actor()
        committed["at"] = time.time()

    third = threading.Thread(target=act)
    third.start()
    try:
        wait_for(lambda: lock_waiters(shared.app) >= 2, "two sessions waiting on the row lock")
        assert "at" not in committed, "the hold committed while a dispatcher held the lock"
    finally:
        go.set()  # never leave the first dispatcher waiting
    reports = collect(results, 2)
    for joinable in (third, first, second):
        joinable.join(WAIT)
    return reports, committed["at"]


def assert_sent_once_before(shared: Shared, account_id: int, number: str, reports, at) -> None:
    sent = [item for report in reports for item in report["sent"]]
    assert sent == [{"account": number, "step": "D+0/email", "channel": "email"}]
    assert len(sent_rows(shared.app, account_id)) == 1
    (email,) = emails_for(shared.home, number)
    assert email.stat().st_mtime <= at  # it left before the hold committed


def test_a_dispute_arriving_during_the_send_waits_and_the_reminder_goes_once(shared):
    account_id, number = due_account(shared.app, "Race 1")
    reports, committed_at = race_during_send(
        shared, account_id, lambda: open_dispute(shared.app, account_id)
    )
    assert_sent_once_before(shared, account_id, number, reports, committed_at)
    with shared.app.app_context():
        assert db.session.scalar(select(Hold.id).where(Hold.account_id == account_id))


def test_a_dispute_reopened_during_the_send_waits_too(shared):
    account_id, number = due_account(shared.app, "Race 3")
    folio = open_dispute(shared.app, account_id, now=NOW - timedelta(days=12))
    resolve_long_ago(shared.app, folio)
    reports, committed_at = race_during_send(shared, account_id, lambda: reopen(shared.app, folio))
    assert_sent_once_before(shared, account_id, number, reports, committed_at)


def test_a_dispute_committed_first_stops_both_dispatchers(shared):
    account_id, number = due_account(shared.app, "Race 2")
    context = open_dispute(shared.app, account_id, commit=False)  # holds the row lock
    try:
        results, unused = SPAWN.Queue(), SPAWN.Event()
        workers = [
            start_dispatcher(shared, pause=False, checked=unused, go=unused, results=results)
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
