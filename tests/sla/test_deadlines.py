"""Clocks on real tickets: set at open, met, paused and resumed, recomputed on changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.sla.deadlines import deadlines_of
from helpdesk.tickets import services

MX = ZoneInfo("America/Mexico_City")
SYSTEM = Actor.system("test")


def mx(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX)


def due(session, ticket) -> dict[str, datetime]:
    return {d.target: d.due_at.astimezone(MX) for d in deadlines_of(session, ticket.id)}


def rows(session, ticket):
    return {d.target: d for d in deadlines_of(session, ticket.id)}


def test_deadlines_are_set_when_a_ticket_opens(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=120, resolution_amount=600)
    ticket = make.ticket(queue=queue)  # Monday 10:00 in Mexico City
    assert due(session, ticket) == {
        "first_response": mx(2026, 11, 23, 12, 0),
        "resolution": mx(2026, 11, 24, 11, 0),  # 8 h on Monday, 2 on Tuesday
    }
    deadline = rows(session, ticket)["first_response"]
    assert deadline.warn_at.astimezone(MX) == mx(2026, 11, 23, 11, 36)  # 80 % of 120 min


def test_a_ticket_whose_queue_has_no_policy_gets_no_deadlines(session, make, calendar):
    assert due(session, make.ticket(queue=make.queue())) == {}
    assert due(session, make.ticket()) == {}


def test_the_first_agent_reply_meets_the_first_response(session, make, make_policy):
    queue = make.queue()
    make_policy(queue)
    ticket = make.ticket(queue=queue)
    agent = make.user()
    with clock.freeze(mx(2026, 11, 23, 10, 45)):
        services.reply(session, ticket, author=agent, text="Revisamos su caso.", now=clock.now())
    first = rows(session, ticket)["first_response"]
    assert first.met_at.astimezone(MX) == mx(2026, 11, 23, 10, 45)
    assert rows(session, ticket)["resolution"].met_at is None


def test_pending_pauses_and_the_paused_working_time_is_added_back(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=120)
    ticket = make.ticket(queue=queue)
    with clock.freeze(mx(2026, 11, 23, 11, 0)):
        services.set_status(session, ticket, "pending", actor=SYSTEM, now=clock.now())
    paused = rows(session, ticket)["first_response"]
    assert paused.paused_since.astimezone(MX) == mx(2026, 11, 23, 11, 0)
    with clock.freeze(mx(2026, 11, 24, 10, 0)):  # the debtor answers the next morning
        services.append_inbound(
            session,
            ticket,
            text="Aquí está el comprobante.",
            channel="email",
            contact=ticket.contact,
            now=clock.now(),
        )
    resumed = rows(session, ticket)["first_response"]
    assert resumed.paused_since is None
    assert resumed.paused_minutes == 480  # Monday 11:00-18:00 and Tuesday 09:00-10:00
    assert resumed.due_at.astimezone(MX) == mx(2026, 11, 24, 11, 0)  # 12:00 + 480 working min


def test_resolving_stops_every_clock_and_reopening_resumes_them(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=120, resolution_amount=600)
    ticket = make.ticket(queue=queue)
    with clock.freeze(mx(2026, 11, 23, 11, 0)):
        services.set_status(session, ticket, "resolved", actor=SYSTEM, now=clock.now())
    stopped = rows(session, ticket)
    assert stopped["resolution"].met_at.astimezone(MX) == mx(2026, 11, 23, 11, 0)
    assert stopped["first_response"].paused_since is not None
    with clock.freeze(mx(2026, 11, 23, 12, 0)):
        services.set_status(session, ticket, "open", actor=SYSTEM, now=clock.now())
    reopened = rows(session, ticket)
    assert reopened["resolution"].met_at is None
    assert reopened["resolution"].due_at.astimezone(MX) == mx(2026, 11, 24, 12, 0)
    assert reopened["first_response"].due_at.astimezone(MX) == mx(2026, 11, 23, 13, 0)


def test_changing_the_queue_recomputes_from_the_history(session, make, make_policy):
    slow, fast = make.queue(), make.queue()
    make_policy(slow, first_response_amount=240)
    make_policy(fast, first_response_amount=30)
    ticket = make.ticket(queue=slow)
    with clock.freeze(mx(2026, 11, 23, 10, 10)):
        services.set_status(session, ticket, "pending", actor=SYSTEM, now=clock.now())
    with clock.freeze(mx(2026, 11, 23, 10, 40)):
        services.set_status(session, ticket, "open", actor=SYSTEM, now=clock.now())
    assert due(session, ticket)["first_response"] == mx(2026, 11, 23, 14, 30)
    with clock.freeze(mx(2026, 11, 23, 11, 0)):
        services.set_queue(session, ticket, fast, actor=SYSTEM, now=clock.now())
    # From the opening under the new policy, with the same 30-minute pause.
    assert due(session, ticket)["first_response"] == mx(2026, 11, 23, 11, 0)
    with clock.freeze(mx(2026, 11, 23, 11, 5)):
        services.set_queue(session, ticket, make.queue(), actor=SYSTEM, now=clock.now())
    assert due(session, ticket) == {}  # a queue without a policy: no SLA


def test_priority_and_type_pick_the_most_specific_policy(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=240)
    make_policy(queue, name="Urgente", priority="urgent", first_response_amount=30)
    make_policy(
        queue,
        name="Queja",
        ticket_type="complaint",
        first_response_amount=None,
        resolution_amount=30,
        resolution_unit="business_days",
    )
    ticket = make.ticket(queue=queue, type="dispute")
    assert due(session, ticket)["first_response"] == mx(2026, 11, 23, 14, 0)
    services.set_priority(session, ticket, "urgent", actor=SYSTEM, now=clock.now())
    assert due(session, ticket)["first_response"] == mx(2026, 11, 23, 10, 30)
    services.set_type(session, ticket, "complaint", actor=SYSTEM, now=clock.now())
    # 30 business days after Monday 23 Nov: December has no MX public holiday but the
    # 25th; Saturdays count (the CDMX calendar works them) — closes at that day's end.
    assert set(due(session, ticket)) == {"resolution"}


def test_next_response_starts_when_the_debtor_writes_after_a_reply(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, next_response_amount=60)
    ticket = make.ticket(queue=queue)
    agent = make.user()
    services.reply(session, ticket, author=agent, text="Hola.", now=clock.now())
    assert "next_response" not in due(session, ticket)
    with clock.freeze(mx(2026, 11, 23, 12, 0)):
        services.append_inbound(
            session, ticket, text="¿Y?", channel="email", contact=ticket.contact, now=clock.now()
        )
    assert due(session, ticket)["next_response"] == mx(2026, 11, 23, 13, 0)
    with clock.freeze(mx(2026, 11, 23, 12, 30)):
        services.reply(session, ticket, author=agent, text="Ya casi.", now=clock.now())
    assert rows(session, ticket)["next_response"].met_at.astimezone(MX) == mx(2026, 11, 23, 12, 30)


def test_notes_and_automatic_messages_never_move_a_clock(session, make, make_policy):
    queue = make.queue()
    make_policy(queue)
    ticket = make.ticket(queue=queue)
    services.add_note(session, ticket, author=make.user(), text="Nota", now=clock.now())
    assert rows(session, ticket)["first_response"].met_at is None
