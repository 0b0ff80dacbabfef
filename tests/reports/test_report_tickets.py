"""``report_tickets``, the narrow copy the SLA report reads, is kept by the database's
triggers through every way a ticket or its clocks change: it always equals a fresh copy
of ``tickets`` and ``ticket_deadlines`` (``refill_report_tickets``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.reports.models import ReportTicket
from helpdesk.reports.services import refill_report_tickets
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
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
