"""The first inbox: the ticket list, the ticket page, notes and status changes."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.clock import freeze
from helpdesk.tickets import services
from helpdesk.tickets.services import IncomingFile


def test_list_shows_what_an_agent_needs(client, signed_in, make):
    agent = signed_in()
    queue = make.queue("Aclaraciones")
    contact = make.contact(name="Guadalupe Núñez")
    ticket = make.ticket(contact=contact, queue=queue, subject="Cargo duplicado en noviembre")
    services.assign(make.session, ticket, agent, actor=Actor.system(), now=clock.now())

    page = client.get("/tickets").get_data(as_text=True)
    for expected in (
        ticket.folio,
        "Cargo duplicado en noviembre",
        "Guadalupe Núñez",
        "Nuevo",
        "Aclaraciones",
        agent.name,
    ):
        assert expected in page


def test_list_is_paged_newest_activity_first(client, signed_in, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "TICKETS_PER_PAGE", 2)
    signed_in()
    folios = []
    for minutes in range(3):
        with freeze(clock.now() + timedelta(minutes=minutes)):
            folios.append(make.ticket(subject=f"Asunto {minutes}").folio)

    first = client.get("/tickets").get_data(as_text=True)
    assert folios[2] in first and folios[1] in first and folios[0] not in first
    assert first.index(folios[2]) < first.index(folios[1])
    assert "3 tickets" not in first and '<span class="title-count">3</span>' in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = client.get(html.unescape(next_link)).get_data(as_text=True)
    assert folios[0] in second and folios[2] not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_list_filters_by_status(client, signed_in, make, session):
    agent = signed_in()
    waiting = make.ticket(subject="Esperando respuesta")
    make.ticket(subject="Recién llegado")
    services.set_status(session, waiting, "pending", actor=Actor.for_user(agent), now=clock.now())
    page = client.get("/tickets?status=pending").get_data(as_text=True)
    assert "Esperando respuesta" in page and "Recién llegado" not in page
    bogus = client.get("/tickets?status=bogus")
    assert bogus.status_code == 200
    assert "status=bogus" in bogus.get_data(as_text=True)


def test_ticket_page_shows_the_conversation_account_and_history(client, signed_in, make):
    agent = signed_in()
    account = make.account(balance=Decimal("12500.50"), days_past_due=45)
    ticket = make.ticket(contact=account.contact, accounts=[account])
    services.reply(
        make.session, ticket, author=agent, text="Con gusto revisamos su caso.", now=clock.now()
    )

    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "No reconozco el cargo de $1,250.00" in page
    assert "Con gusto revisamos su caso." in page and "En cola" in page
    assert account.number in page and "45 días de atraso" in page
    assert "12,500.50" in page or "12.500,50" in page
    assert "Ticket abierto por" in page


def test_dates_are_shown_in_the_users_time_zone(client, signed_in, make):
    signed_in(timezone="America/Bogota", locale="en_US")
    ticket = make.ticket()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    # 16:00 UTC is 11:00 in Bogotá.
    assert "11:00\u202fAM" in page or "11:00 AM" in page
    assert "4:00" not in page
    assert "Conversation" in page  # and the page speaks English


def test_adding_a_note(client, signed_in, make, session):
    signed_in()
    ticket = make.ticket()
    response = client.post(
        f"/tickets/{ticket.folio}/notes", data={"text": "Pedir estado de cuenta al banco"}
    )
    assert response.status_code == 302
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Pedir estado de cuenta al banco" in page and "Nota agregada." in page
    assert ticket.messages[-1].direction == "note"


def test_an_empty_note_is_refused_with_a_spanish_error(client, signed_in, make):
    signed_in()
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.folio}/notes", data={"text": ""})
    assert response.status_code == 422
    assert "Este campo es obligatorio." in response.get_data(as_text=True)
    assert [m.direction for m in ticket.messages] == ["in"]


def test_changing_the_status(client, signed_in, make, session):
    agent = signed_in()
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": "resolved"})
    assert response.status_code == 302
    assert ticket.status == "resolved"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.status_changed"))
    assert event.actor_user_id == agent.id
    assert event.before == {"status": "new"} and event.after == {"status": "resolved"}
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Estado actualizado." in page and "Resuelto" in page


def test_status_merged_cannot_be_set_by_hand(client, signed_in, make):
    signed_in()
    ticket = make.ticket()
    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": "merged"})
    assert response.status_code == 422
    assert ticket.status == "new"


def test_attachments_download_with_a_safe_name(client, signed_in, make):
    signed_in()
    ticket = make.ticket(files=[IncomingFile('<script>"estado".html', "text/html", b"<b>x</b>")])
    attachment = ticket.messages[0].attachments[0]
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == b"<b>x</b>"
    assert response.headers["Content-Type"] == "application/octet-stream"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "<" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_profile_locale_switches_the_interface_to_english(client, signed_in):
    signed_in()
    response = client.post(
        "/profile", data={"name": "Ana", "locale": "en_US", "timezone": "America/Mexico_City"}
    )
    assert response.status_code == 302
    page = client.get("/tickets").get_data(as_text=True)
    assert "Sign out" in page and "Cerrar sesión" not in page


def test_agents_download_the_debtors_acuse_from_the_ticket_page(client, signed_in, make):
    from tests.receipts.conftest import pdf_text

    signed_in()
    ticket = make.ticket(contact=make.contact(language="en"))
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert f'href="/tickets/{ticket.folio}/acuse.pdf"' in page

    response = client.get(f"/tickets/{ticket.folio}/acuse.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == f"attachment; filename=acuse-{ticket.folio}.pdf"
    )
    text = pdf_text(response.data)
    assert ticket.folio in text
    assert "Acknowledgement of receipt" in text  # the debtor's language, not the agent's
    assert client.get("/tickets/ACL-2026-999999/acuse.pdf").status_code == 404


def test_the_staff_acuse_needs_a_staff_session(app, make, session):
    ticket = make.ticket()
    response = app.test_client().get(f"/tickets/{ticket.folio}/acuse.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
