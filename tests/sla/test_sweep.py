"""The sweep: warnings and breaches recorded once, escalations, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.sla.deadlines import deadlines_of
from helpdesk.sla.models import Notification
from helpdesk.sla.sweep import sweep
from helpdesk.tickets import services

MX = ZoneInfo("America/Mexico_City")
SYSTEM = Actor.system("test")


def mx(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX)


def sweep_at(session, moment):
    with clock.freeze(moment):
        return sweep(session, now=clock.now())


def notices(session, **where):
    query = select(Notification.user_id, Notification.kind, Notification.target)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return sorted(session.execute(query).all())


def test_warning_then_breach_are_recorded_once(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=60, resolution_amount=None, warning_percent=50)
    agent = make.user()
    ticket = make.ticket(queue=queue)
    services.assign(session, ticket, agent, actor=SYSTEM, now=clock.now())

    assert sweep_at(session, mx(2026, 11, 23, 10, 20)).warned == 0
    first = sweep_at(session, mx(2026, 11, 23, 10, 31))
    assert (first.warned, first.breached) == (1, 0)
    assert sweep_at(session, mx(2026, 11, 23, 10, 32)).warned == 0  # idempotent
    breach = sweep_at(session, mx(2026, 11, 23, 11, 1))
    assert (breach.warned, breach.breached) == (0, 1)
    again = sweep_at(session, mx(2026, 11, 23, 11, 2))
    assert (again.warned, again.breached) == (0, 0)

    (deadline,) = deadlines_of(session, ticket.id)
    assert deadline.warned_at.astimezone(MX) == mx(2026, 11, 23, 10, 31)
    assert deadline.breached_at.astimezone(MX) == mx(2026, 11, 23, 11, 1)
    assert notices(session, ticket_id=ticket.id) == [
        (agent.id, "sla.breached", "first_response"),
        (agent.id, "sla.warning", "first_response"),
    ]
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.ticket_id == ticket.id, AuditEvent.action.like("sla.%ed")
        )
    ).all()
    assert sorted(a for a in actions if a in ("sla.warning", "sla.breached")) == ["sla.breached"]


def test_paused_met_and_policy_less_tickets_are_left_alone(session, make, make_policy):
    queue = make.queue()
    make_policy(queue, first_response_amount=30, resolution_amount=None)
    paused = make.ticket(queue=queue)
    services.set_status(session, paused, "pending", actor=SYSTEM, now=clock.now())
    met = make.ticket(queue=queue)
    services.reply(session, met, author=make.user(), text="Hola", now=clock.now())
    make.ticket(queue=make.queue())  # no SLA
    report = sweep_at(session, mx(2026, 11, 30, 10, 0))
    assert (report.warned, report.breached) == (0, 0)


def test_a_breach_escalates_to_supervisor_priority_and_queue(session, make, make_policy):
    queue, escalations = make.queue(), make.queue()
    supervisor = make.user(role="supervisor")
    queue.members.append(supervisor)
    make_policy(
        queue,
        first_response_amount=30,
        resolution_amount=None,
        escalate_raise_priority=True,
        escalate_queue=escalations,
    )
    make_policy(escalations, first_response_amount=600, resolution_amount=None)
    agent = make.user()
    ticket = make.ticket(queue=queue, priority="normal")
    services.assign(session, ticket, agent, actor=SYSTEM, now=clock.now())

    report = sweep_at(session, mx(2026, 11, 23, 10, 45))
    session.commit()  # inline jobs (recompute) run after the commit
    from helpdesk.jobs import run_ready_jobs

    with clock.freeze(mx(2026, 11, 23, 10, 45)):
        run_ready_jobs(session)
    assert (report.breached, report.raised, report.moved) == (1, 1, 1)
    session.refresh(ticket)
    assert ticket.priority == "high"
    assert ticket.queue_id == escalations.id
    assert notices(session, kind="sla.breached", ticket_id=ticket.id) == sorted(
        [
            (agent.id, "sla.breached", "first_response"),
            (supervisor.id, "sla.breached", "first_response"),
        ]
    )
    # Recomputed under the escalation queue's policy: due again, not breached.
    (deadline,) = deadlines_of(session, ticket.id)
    assert deadline.breached_at is None
    assert deadline.due_at.astimezone(MX) == mx(2026, 11, 24, 11, 0)


def test_the_sweep_scales_by_set_not_by_ticket(session, make, make_policy, count_queries):
    queue = make.queue()
    make_policy(queue, first_response_amount=30, resolution_amount=None, escalate_notify=False)
    for _ in range(3):
        make.ticket(queue=queue)
    with count_queries() as few:
        sweep_at(session, mx(2026, 11, 23, 11, 0))
    for _ in range(20):
        make.ticket(queue=queue)
    with count_queries() as many:
        sweep_at(session, mx(2026, 11, 23, 11, 0))
    assert many.count == few.count
    total = session.scalar(select(func.count()).select_from(Notification))
    assert total == 0
