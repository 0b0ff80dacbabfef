"""``report_tickets``, the narrow copy the SLA report reads, is kept by the database's
triggers through every way a ticket or its clocks change: it always equals a fresh copy
of ``tickets`` and ``ticket_deadlines`` (``refill_report_tickets``)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.reports.models import ReportTicket
from helpdesk.reports.services import refill_report_tickets
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from tests.factories import Factory
from tests.reports.conftest import SYSTEM, Month, mx


def kept(session: Session) -> list[tuple[Any, ...]]:
    session.flush()
    columns = [column for column in ReportTicket.__table__.columns]
    return [tuple(row) for row in session.execute(select(*columns).order_by(ReportTicket.id))]


def assert_kept_as_a_fresh_copy(session: Session) -> list[tuple[Any, ...]]:
    by_triggers = kept(session)
    assert refill_report_tickets(session) == len(by_triggers)
    assert kept(session) == by_triggers
    return by_triggers


def row(session: Session, ticket: Ticket) -> ReportTicket:
    session.flush()
    session.expire_all()
    found = session.get(ReportTicket, ticket.id)
    assert found is not None
    return found


def test_the_month_of_work_is_copied_with_both_clocks(session: Session, month: Month) -> None:
    rows = assert_kept_as_a_fresh_copy(session)
    assert len(rows) == len(month.tickets)
    t1 = row(session, month.tickets["T1"])
    assert (t1.queue_id, t1.assignee_id) == (month.disputas.id, month.ana.id)
    clocks = {
        deadline.target: deadline
        for deadline in session.scalars(
            select(TicketDeadline).where(TicketDeadline.ticket_id == t1.id)
        )
    }
    first, resolution = clocks["first_response"], clocks["resolution"]
    assert (t1.first_due_at, t1.first_met_at) == (first.due_at, first.met_at)
    assert t1.first_minutes == first.used_minutes and t1.first_minutes > 0
    assert (t1.resolution_met_at, t1.resolution_minutes) == (
        resolution.met_at,
        resolution.used_minutes,
    )
    assert t1.resolved_at is not None
    t6 = row(session, month.tickets["T6"])  # a queue without a policy: no clocks
    assert (t6.first_due_at, t6.resolution_due_at) == (None, None)


def test_reassigning_resolving_merging_and_deleting_are_followed(
    session: Session, month: Month
) -> None:
    t3, t4, t6 = (month.tickets[name] for name in ("T3", "T4", "T6"))
    with clock.freeze(mx(2026, 11, 24, 10)):
        tickets.assign(session, t3, month.ana, actor=SYSTEM, now=clock.now())
        tickets.reply(session, t4, author=month.beto, text="Listo.", now=clock.now())
        tickets.merge(session, t6, t4, actor=SYSTEM, now=clock.now())
    assert row(session, t3).assignee_id == month.ana.id
    assert row(session, t4).first_met_at is not None
    assert row(session, t6).merged_into_id == t4.id
    assert_kept_as_a_fresh_copy(session)

    # Bulk statements, which no ORM event would see, are followed too.
    session.execute(update(Ticket).where(Ticket.id == t3.id).values(queue_id=None))
    session.execute(delete(TicketDeadline).where(TicketDeadline.ticket_id == t4.id))
    assert row(session, t3).queue_id is None
    assert (row(session, t4).first_due_at, row(session, t4).resolution_due_at) == (None, None)
    session.delete(t6)
    session.flush()
    assert session.get(ReportTicket, t6.id) is None
    assert_kept_as_a_fresh_copy(session)


def test_a_clock_moved_to_another_target_leaves_the_old_columns_empty(
    session: Session, month: Month
) -> None:
    t3 = month.tickets["T3"]
    session.execute(
        delete(TicketDeadline).where(
            TicketDeadline.ticket_id == t3.id, TicketDeadline.target == "resolution"
        )
    )
    session.execute(
        update(TicketDeadline)
        .where(TicketDeadline.ticket_id == t3.id, TicketDeadline.target == "first_response")
        .values(target="resolution")
    )
    moved = row(session, t3)
    assert moved.first_due_at is None and moved.resolution_due_at is not None
    assert_kept_as_a_fresh_copy(session)


# --- two transactions at once, on a committed PostgreSQL database ---------------------


def _ticket_with_a_running_clock(app: Flask) -> tuple[int, int]:
    """A committed ticket, its first-response clock running, and an agent: (ticket, agent)."""
    with app.app_context():
        make = Factory(db.session)
        agent, ticket = make.user("agent"), make.ticket()
        now = clock.now()
        db.session.add(
            TicketDeadline(
                ticket_id=ticket.id,
                target="first_response",
                started_at=now,
                due_at=now + timedelta(hours=2),
                warn_at=now + timedelta(hours=1),
                updated_at=now,
            )
        )
        db.session.commit()
        return ticket.id, agent.id


def _until_a_write_waits(app: Flask) -> bool:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with app.app_context(), db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            if watcher.execute(waiting).scalar():
                return True
            watcher.rollback()  # a fresh view of the locks each time
            time.sleep(0.01)
    return False


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["ticket", "clock"])
def test_a_ticket_and_its_clock_changed_at_once_are_both_kept(
    committed_postgres: Flask, first: str
) -> None:
    """One transaction reassigns the ticket while another meets its clock, the first
    still open when the second writes. Each trigger copies only its own row's new values,
    so the copy ends with both changes; a trigger that re-read the ticket with its clocks
    would have copied the other transaction's values as they were before it committed."""
    app = committed_postgres
    ticket_id, agent_id = _ticket_with_a_running_clock(app)
    met = clock.now() + timedelta(minutes=30)
    changes = {
        "ticket": update(Ticket).where(Ticket.id == ticket_id).values(assignee_id=agent_id),
        "clock": update(TicketDeadline)
        .where(TicketDeadline.ticket_id == ticket_id)
        .values(met_at=met, used_minutes=30.0),
    }
    second = "clock" if first == "ticket" else "ticket"
    wrote_first, errors, waited = threading.Event(), [], []

    def change(which: str) -> None:
        try:
            with app.app_context(), db.engine.connect() as connection:
                if which == second:
                    wrote_first.wait(timeout=30)
                connection.execute(changes[which])
                if which == first:
                    wrote_first.set()
                    # the second's trigger waits on the copy's row lock
                    waited.append(_until_a_write_waits(app))
                connection.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            wrote_first.set()

    threads = [threading.Thread(target=change, args=(which,)) for which in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert waited == [True]  # the two really overlapped
    with app.app_context():
        copy = db.session.get(ReportTicket, ticket_id)
        assert copy is not None
        assert (copy.assignee_id, copy.first_met_at, copy.first_minutes) == (agent_id, met, 30.0)
        assert_kept_as_a_fresh_copy(db.session)
