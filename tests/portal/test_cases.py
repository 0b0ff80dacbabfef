"""Cases from the portal: through intake as channel "portal", holding the account when
the kind of case asks for it, and replies appended to the debtor's own ticket."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.holds import queries as hold_queries
from helpdesk.intake.text import clean_text
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket


def open_case(client, kind, account=None, **extra):
    data = {
        "kind": kind,
        "account": str(account.id) if account else "",
        "subject": "No reconozco el cargo de octubre",
        "text": "Buenas tardes, el cargo de $1,250.00 del 3 de octubre no es mío.",
    }
    data.update(extra)
    return client.post("/portal/cases/new", data=data, content_type="multipart/form-data")


def folio_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("/portal/cases/")[1].split("?")[0]


def held(session, account) -> bool:
    return hold_queries.hold_state(session, account, now=clock.now())["active"]


def test_a_dispute_opened_in_the_portal_holds_the_account(
    app, client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)

    folio = folio_of(open_case(client, "dispute", account))

    ticket = session.scalar(select(Ticket).where(Ticket.folio == folio))
    assert (ticket.channel, ticket.type, ticket.contact_id) == ("portal", "dispute", contact.id)
    assert ticket.accounts == [account]
    assert held(session, account)
    page = client.get(f"/portal/cases/{folio}?opened=1").get_data(as_text=True)
    assert "Recibimos su caso. Su folio es" in page and folio in page
    home = client.get("/portal/").get_data(as_text=True)
    assert f"Recordatorios en pausa mientras revisamos su caso {folio}." in home

    staff = app.test_client()
    from tests.factories import PASSWORD

    agent = make.user()
    staff.post("/login", data={"email": agent.email, "password": PASSWORD})
    inbox = staff.get("/tickets").get_data(as_text=True)
    assert folio in inbox
    assert "Portal" in staff.get(f"/tickets/{folio}").get_data(as_text=True)


def test_a_payment_plan_request_holds_and_a_complaint_does_not(
    client, session, make, portal_sign_in
):
    contact = make.contact()
    plan_account, complaint_account = make.account(contact=contact), make.account(contact=contact)
    portal_sign_in(contact)

    folio_of(open_case(client, "payment_plan", plan_account, text="Quiero pagar en 6 meses."))
    folio_of(open_case(client, "complaint", complaint_account, text="Me llamaron de noche."))

    assert held(session, plan_account)
    assert not held(session, complaint_account)


def test_a_complaint_needs_no_account(client, session, make, portal_sign_in):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)
    folio = folio_of(open_case(client, "complaint", text="Me llamaron a las 22:40."))
    assert session.scalar(select(Ticket).where(Ticket.folio == folio)).type == "complaint"
    assert not held(session, account)
    page = open_case(client, "dispute").get_data(as_text=True)
    assert "Elija la cuenta de la que trata su caso." in page


def test_someone_elses_account_cannot_be_named(client, session, make, portal_sign_in):
    contact, stranger = make.contact(), make.account()
    make.account(contact=contact)
    portal_sign_in(contact)
    response = open_case(client, "dispute", stranger)
    assert response.status_code == 200
    assert not held(session, stranger)
    assert session.scalar(select(Ticket).where(Ticket.contact_id == contact.id)) is None


def test_attachments_are_stored_and_served_to_their_owner(
    app, client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)
    data = {"files": [(io.BytesIO(b"%PDF-1.4 recibo"), "../../recibo de pago.pdf")]}
    folio = folio_of(open_case(client, "already_paid", account, **data))

    message = session.scalar(
        select(Message).join(Ticket).where(Ticket.folio == folio)
    )
    [attachment] = message.attachments
    assert attachment.filename == "recibo de pago.pdf"
    response = client.get(f"/portal/files/{attachment.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 recibo"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/octet-stream"


def test_a_file_over_the_limit_is_refused_with_a_message(
    app, client, session, make, portal_sign_in, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTAL_MAX_FILE_BYTES", 1024 * 1024)
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)
    big = {"files": [(io.BytesIO(b"x" * (1024 * 1024 + 1)), "grande.pdf")]}
    page = open_case(client, "dispute", account, **big).get_data(as_text=True)
    assert "grande.pdf pesa más de 1 MB." in page
    assert not held(session, account)


def test_text_with_nul_and_lone_surrogates_is_cleaned(client, session, make, portal_sign_in):
    contact = make.contact()
    portal_sign_in(contact)
    # A browser cannot send a lone surrogate (forms are UTF-8), but it can send a NUL.
    folio = folio_of(open_case(client, "complaint", text="hola\x00 mundo"))
    message = session.scalar(select(Message).join(Ticket).where(Ticket.folio == folio))
    assert message.text == "hola\ufffd mundo"
    assert clean_text("a\ud800b") == "a?b"


def test_a_reply_appends_to_the_ticket_and_reopens_it(client, session, make, portal_sign_in):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    tickets.set_status(session, ticket, "resolved", actor=Actor.system("test"), now=clock.now())
    session.flush()
    portal_sign_in(contact)

    response = client.post(
        f"/portal/cases/{ticket.folio}/reply",
        data={"text": "Sigo viendo el cargo en mi estado de cuenta."},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302 and ticket.folio in response.headers["Location"]
    session.refresh(ticket)
    assert ticket.status == "open"
    last = ticket.messages[-1]
    assert (last.channel, last.direction, last.author_contact_id) == ("portal", "in", contact.id)
    page = client.get(f"/portal/cases/{ticket.folio}").get_data(as_text=True)
    assert "Sigo viendo el cargo" in page


def test_the_conversation_never_shows_internal_notes(client, session, make, portal_sign_in):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    agent = make.user()
    tickets.add_note(
        session, ticket, author=agent, text="Nota interna: posible fraude", now=clock.now()
    )
    tickets.reply(session, ticket, author=agent, text="Estamos revisando su caso.", now=clock.now())
    session.flush()
    portal_sign_in(contact)
    page = client.get(f"/portal/cases/{ticket.folio}").get_data(as_text=True)
    assert "Estamos revisando su caso." in page and "posible fraude" not in page


@pytest.mark.parametrize("status", ["new", "resolved"])
def test_statuses_are_in_plain_spanish(client, session, make, portal_sign_in, status):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    if status == "resolved":
        tickets.set_status(session, ticket, status, actor=Actor.system("t"), now=clock.now())
        session.flush()
    portal_sign_in(contact)
    page = client.get("/portal/").get_data(as_text=True)
    assert {"new": "Recibido", "resolved": "Resuelto"}[status] in page


def test_a_case_or_reply_without_the_csrf_token_is_refused(
    app, client, session, make, portal_sign_in, monkeypatch
):
    contact = make.contact()
    account = make.account(contact=contact)
    ticket = make.ticket(contact=contact, type="information")
    portal_sign_in(contact)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert open_case(client, "dispute", account).status_code == 400
    reply = client.post(f"/portal/cases/{ticket.folio}/reply", data={"text": "Hola"})
    assert reply.status_code == 400 and "El formulario caducó" in reply.get_data(as_text=True)
    assert not held(session, account)


def test_the_case_form_sends_data_rights_to_their_own_page(client, make, portal_sign_in):
    portal_sign_in(make.contact())
    page = client.get("/portal/cases/new").get_data(as_text=True)
    assert 'value="data_rights"' not in page  # each right has its form, basis and deadline
    assert 'href="/portal/data"' in page and "Mis datos personales" in page
    assert 'value="dispute"' in page
