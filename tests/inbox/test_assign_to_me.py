"""The "assign to me" action of the ticket page (its button, and the "a" key)."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.audit.models import AuditEvent


def assigned_events(session):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.assigned")).all()


def test_an_agent_takes_a_ticket_and_it_is_audited(client, signed_in, make, session):
    colleague = make.user()
    agent = signed_in()
    ticket = make.ticket()
    ticket.assignee = colleague
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert 'id="assign-to-me"' in page and "Asignármelo</button>" in page

    response = client.post(f"/tickets/{ticket.folio}/assign-to-me")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{ticket.folio}")
    assert ticket.assignee == agent
    event = assigned_events(session)[-1]
    assert event.actor_user_id == agent.id
    assert event.before == {"assignee": colleague.email}
    assert event.after == {"assignee": agent.email}
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert f"Ticket {ticket.folio} asignado a usted." in page
    assert 'id="assign-to-me"' not in page  # nothing left to take


def test_taking_a_ticket_needs_the_csrf_token(app, client, signed_in, make, session, monkeypatch):
    signed_in()
    ticket = make.ticket()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/tickets/{ticket.folio}/assign-to-me")
    assert response.status_code == 400
    assert ticket.assignee is None
    assert assigned_events(session) == []


def test_only_signed_in_staff_can_take_a_ticket(client, make, session):
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.folio}/assign-to-me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert ticket.assignee is None


def test_an_unknown_folio_is_not_found(client, signed_in):
    signed_in()
    assert client.post("/tickets/NO-SUCH-1/assign-to-me").status_code == 404
