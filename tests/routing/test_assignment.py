"""Assignment inside a queue: manual, round-robin, least-loaded; availability; skills."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.routing import assignment
from helpdesk.routing.models import ticket_tags
from helpdesk.tickets import services

SYSTEM = Actor.system("test")


def team(make, strategy, *capacities):
    queue = make.queue()
    queue.assignment_strategy = strategy
    agents = [make.user() for _ in capacities]
    for agent, capacity in zip(agents, capacities, strict=True):
        agent.capacity = capacity
        queue.members.append(agent)
    return queue, agents


def auto(session, make, queue, **fields):
    ticket = make.ticket(queue=queue, **fields)
    return assignment.auto_assign(session, ticket, actor=SYSTEM, now=clock.now())


def test_manual_queues_leave_tickets_unassigned(session, make):
    queue, _ = team(make, "manual", 5)
    assert auto(session, make, queue) is None


def test_round_robin_takes_turns_and_skips_the_unavailable(session, make):
    queue, (a, b, c) = team(make, "round_robin", 5, 5, 5)
    assert [auto(session, make, queue) for _ in range(4)] == [a, b, c, a]
    b.is_available = False
    assert [auto(session, make, queue) for _ in range(2)] == [c, a]


def test_least_loaded_fills_the_emptiest_and_respects_capacity(session, make):
    queue, (a, b) = team(make, "least_loaded", 2, 1)
    for _ in range(2):
        services.assign(session, make.ticket(), a, actor=SYSTEM, now=clock.now())
    assert auto(session, make, queue) == b  # a has 2 open tickets
    assert auto(session, make, queue) is None  # a and b are both full
    resolved = make.ticket()
    services.assign(session, resolved, b, actor=SYSTEM, now=clock.now())
    services.set_status(session, resolved, "resolved", actor=SYSTEM, now=clock.now())
    assert auto(session, make, queue) is None  # resolved tickets do not count; b still has 1


def test_skills_and_languages_filter_when_the_queue_asks(session, make):
    queue, (spanish, english) = team(make, "least_loaded", 5, 5)
    queue.match_skills = True
    assignment.save_profile(
        session,
        spanish,
        capacity=5,
        skills=["legal"],
        languages=["es"],
        actor=SYSTEM,
        now=clock.now(),
    )
    assignment.save_profile(
        session, english, capacity=5, skills=[], languages=["en"], actor=SYSTEM, now=clock.now()
    )
    english_speaker = make.contact(language="en")
    ticket = make.ticket(contact=english_speaker, queue=queue)
    assert assignment.auto_assign(session, ticket, actor=SYSTEM, now=clock.now()) == english
    legal = make.ticket(queue=queue)
    session.execute(insert(ticket_tags), [{"ticket_id": legal.id, "tag": "legal"}])
    assert assignment.auto_assign(session, legal, actor=SYSTEM, now=clock.now()) == spanish


def test_a_supervisor_hands_back_an_unavailable_agents_tickets(session, make):
    queue, (away, here) = team(make, "round_robin", 10, 10)
    tickets = [make.ticket(queue=queue) for _ in range(3)]
    for ticket in tickets:
        services.assign(session, ticket, away, actor=SYSTEM, now=clock.now())
    manual = make.ticket(queue=make.queue())
    services.assign(session, manual, away, actor=SYSTEM, now=clock.now())
    with pytest.raises(ValueError):
        assignment.reassign_unavailable(session, away, actor=SYSTEM, now=clock.now())
    assignment.set_availability(session, away, False, actor=SYSTEM, now=clock.now())
    assert assignment.reassign_unavailable(session, away, actor=SYSTEM, now=clock.now()) == 4
    assert {t.assignee for t in tickets} == {here}
    assert manual.assignee is None  # a manual queue: back to unassigned
