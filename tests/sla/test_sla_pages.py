"""The SLA pages: admin calendars, policies and rules; countdowns, notifications, team."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.routing.services import save_rule
from helpdesk.sla.deadlines import deadlines_of
from helpdesk.sla.models import SlaCalendar, SlaPolicy
from helpdesk.sla.sweep import sweep
from helpdesk.tickets import services

MX = ZoneInfo("America/Mexico_City")
SYSTEM = Actor.system("test")
CALENDAR = {
    "name": "Bancario",
    "timezone": "America/Mexico_City",
    "country": "MX",
    "mon": "09:00-14:00, 15:00-18:00",
    "fri": "09:00-14:00",
    "extra_closed_dates": "2026-12-12",
    "exceptions": "2026-12-24: cerrado\n2026-11-29: 10:00-14:00",
}


def test_a_good_calendar_is_saved(client, signed_in, session):
    signed_in("admin")
    response = client.post("/admin/sla/calendars", data=CALENDAR)
    assert response.status_code == 302
    stored = session.scalar(select(SlaCalendar).where(SlaCalendar.name == "Bancario"))
    assert stored.config["weekly_hours"]["mon"] == [["09:00", "14:00"], ["15:00", "18:00"]]
    assert stored.config["exceptions"] == {"2026-11-29": [["10:00", "14:00"]], "2026-12-24": []}


def test_bad_calendars_are_refused_with_a_clear_message(client, signed_in, session):
    signed_in("admin")
    cases = {
        "mon": ("09:00-14:00, 13:00-18:00", "se traslapan"),
        "timezone": ("America/Guadalajara", "Zona horaria desconocida"),
        "fri": ("9 a 5", "09:00-14:00"),
    }
    for field, (value, message) in cases.items():
        response = client.post("/admin/sla/calendars", data={**CALENDAR, field: value})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), field
    empty = {**CALENDAR, "mon": "", "fri": "", "exceptions": ""}
    response = client.post("/admin/sla/calendars", data=empty)
    assert "no tiene horario" in response.get_data(as_text=True)
    assert session.scalar(select(SlaCalendar)) is None


def test_a_negative_target_is_refused(client, signed_in, session, make, calendar):
    signed_in("admin")
    queue = make.queue()
    data = {
        "name": "Mala",
        "queue": str(queue.id),
        "calendar": str(calendar.id),
        "first_response_amount": "-5",
        "first_response_unit": "business_minutes",
        "next_response_unit": "business_minutes",
        "resolution_unit": "calendar_days",
        "resolution_amount": "45",
        "warning_percent": "80",
        "priority": "",
        "ticket_type": "",
        "escalate_queue": "",
    }
    response = client.post("/admin/sla/policies", data=data)
    assert "número positivo" in response.get_data(as_text=True)
    assert session.scalar(select(SlaPolicy)) is None
    response = client.post("/admin/sla/policies", data={**data, "first_response_amount": "60"})
    assert response.status_code == 302
    assert session.scalar(select(SlaPolicy)).resolution_unit == "calendar_days"


def test_the_inbox_shows_countdowns_and_sorts_by_nearest_deadline(
    client, signed_in, make, make_policy
):
    signed_in("supervisor")  # sees every queue's tickets
    queue = make.queue()
    make_policy(queue, first_response_amount=240, resolution_amount=None)
    later = make.ticket(queue=queue, subject="Más tarde")
    with clock.freeze(datetime(2026, 11, 23, 9, 30, tzinfo=MX)):
        sooner = make.ticket(queue=queue, subject="Antes")
    make.ticket(subject="Sin cola")
    page = client.get("/tickets").get_data(as_text=True)
    assert "Sin SLA" in page
    assert "deadline-ok" in page
    assert "3 h 30 min" in page  # working time left for the ticket opened at 09:30
    ordered = client.get("/tickets?sort=deadline").get_data(as_text=True)
    assert ordered.index(sooner.folio) < ordered.index(later.folio) < ordered.index("Sin cola")


def test_resolved_tickets_sort_after_open_ones_by_nearest_deadline(
    client, signed_in, session, make, make_policy
):
    agent = signed_in("supervisor")  # sees every queue's tickets
    queue = make.queue()
    make_policy(queue, first_response_amount=240, resolution_amount=600)
    with clock.freeze(datetime(2026, 11, 23, 9, 30, tzinfo=MX)):
        resolved = make.ticket(queue=queue, subject="Ya resuelto", type="information")
        due = make.ticket(queue=queue, subject="Con plazo", type="information")
        make.ticket(subject="Sin cola", type="information")
    services.set_status(session, resolved, "resolved", actor=Actor.for_user(agent), now=clock.now())
    session.commit()
    ordered = client.get("/tickets?sort=deadline").get_data(as_text=True)
    assert ordered.index(due.folio) < ordered.index("Sin cola") < ordered.index(resolved.folio)


def test_the_ticket_page_changes_queue_and_recomputes(
    client, signed_in, session, make, make_policy
):
    signed_in()
    slow, fast = make.queue(), make.queue()
    make_policy(slow, first_response_amount=240, resolution_amount=None)
    make_policy(fast, first_response_amount=30, resolution_amount=None)
    ticket = make.ticket(queue=slow)
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Plazos" in page
    assert "Plazos fijados por la política" in page  # the timeline says why
    response = client.post(
        f"/tickets/{ticket.folio}/routing",
        data={"queue": str(fast.id), "priority": "high", "type": "complaint", "assignee": ""},
    )
    assert response.status_code == 302
    (deadline,) = deadlines_of(session, ticket.id)
    assert deadline.due_at.astimezone(MX) == datetime(2026, 11, 23, 10, 30, tzinfo=MX)
    assert (ticket.priority, ticket.type) == ("high", "complaint")


def test_notifications_are_counted_in_the_top_bar(client, signed_in, session, make, make_policy):
    agent = signed_in()
    queue = make.queue()
    make_policy(queue, first_response_amount=30, resolution_amount=None)
    ticket = make.ticket(queue=queue)
    services.assign(session, ticket, agent, actor=SYSTEM, now=clock.now())
    with clock.freeze(datetime(2026, 11, 23, 11, 0, tzinfo=MX)):
        sweep(session, now=clock.now())
    session.commit()
    page = client.get("/tickets").get_data(as_text=True)
    assert '<span class="badge count">1</span>' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert ticket.folio in listing
    client.post("/notifications/read")
    assert 'class="badge count"' not in client.get("/tickets").get_data(as_text=True)


def test_a_supervisor_reassigns_an_unavailable_agent(client, signed_in, session, make):
    signed_in("supervisor")
    queue = make.queue()
    queue.assignment_strategy = "round_robin"
    away, here = make.user(), make.user()
    queue.members.extend([away, here])
    ticket = make.ticket(queue=queue)
    services.assign(session, ticket, away, actor=SYSTEM, now=clock.now())
    assert client.get("/team").status_code == 200
    client.post(f"/team/{away.id}/availability")
    assert away.is_available is False
    client.post(f"/team/{away.id}/reassign")
    assert ticket.assignee == here


def test_agents_cannot_open_the_team_page(client, signed_in):
    signed_in("agent")
    assert client.get("/team").status_code == 403


def test_a_rule_is_tested_against_a_ticket(client, signed_in, session, make):
    signed_in("admin")
    quejas = make.queue("Quejas")
    rule = save_rule(
        session,
        None,
        name="Quejas",
        conditions={"words": ["queja"], "channels": ["whatsapp"]},
        actions={"queue_id": quejas.id},
        stops=True,
        is_active=True,
        actor=SYSTEM,
        now=clock.now(),
    )
    ticket = make.ticket(subject="Una QUEJA formal")
    page = client.post(f"/admin/routing/{rule.id}/test", data={"folio": ticket.folio})
    text = page.get_data(as_text=True)
    assert "words" in text and "channels" in text
    assert "no coincide" in text  # email, not WhatsApp
    assert ticket.queue is None  # a test changes nothing
    assert client.get("/admin/routing").status_code == 200
