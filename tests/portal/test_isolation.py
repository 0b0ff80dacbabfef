"""Deny by default: a debtor sees only their own accounts, cases and files (others: 404)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from helpdesk.tickets.models import Message, Ticket


@pytest.fixture
def two_debtors(client, session, make, portal_sign_in):
    """Debtor B's case (with a file) exists; the client is signed in as debtor A."""
    alice, bruno = make.contact(), make.contact()
    bruno_account = make.account(contact=bruno)
    bruno_ticket = make.ticket(contact=bruno)
    portal_sign_in(bruno)
    client.post(
        f"/portal/cases/{bruno_ticket.folio}/reply",
        data={"text": "Mi recibo", "files": [(io.BytesIO(b"%PDF-1.4 privado"), "recibo.pdf")]},
        content_type="multipart/form-data",
    )
    client.post("/portal/logout")
    attachment = session.scalar(
        select(Message).where(Message.ticket_id == bruno_ticket.id, Message.channel == "portal")
    ).attachments[0]
    portal_sign_in(alice)
    return alice, bruno_account, bruno_ticket, attachment


def test_another_debtors_case_account_and_file_are_not_found(client, two_debtors):
    _alice, account, ticket, attachment = two_debtors
    assert client.get(f"/portal/cases/{ticket.folio}").status_code == 404
    assert client.get(f"/portal/accounts/{account.id}").status_code == 404
    assert client.get(f"/portal/files/{attachment.id}").status_code == 404
    page = client.get("/portal/").get_data(as_text=True)
    assert ticket.folio not in page and account.number not in page


def test_a_debtor_cannot_reply_to_another_debtors_case(client, session, two_debtors):
    _alice, _account, ticket, _attachment = two_debtors
    before = len(ticket.messages)
    response = client.post(f"/portal/cases/{ticket.folio}/reply", data={"text": "Hola"})
    assert response.status_code == 404
    session.expire_all()
    assert len(session.get(Ticket, ticket.id).messages) == before


def test_files_of_our_replies_reach_the_debtor(client, session, make, portal_sign_in):
    from flask import current_app

    from helpdesk import clock
    from helpdesk.attachments import storage
    from helpdesk.tickets import services as tickets
    from helpdesk.tickets.services import IncomingFile

    contact = make.contact()
    ticket = make.ticket(contact=contact)
    reply = tickets.reply(
        session, ticket, author=make.user(), text="Adjunto", now=clock.now(),
        files=[IncomingFile("carta.pdf", "application/pdf", b"carta")],
        attachments=storage.root_for(current_app.config["DATA_DIR"]),
    )
    session.flush()
    portal_sign_in(contact)
    assert client.get(f"/portal/files/{reply.attachments[0].id}").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/portal/", "/portal/cases/new", "/portal/cases/ACL-2026-000001", "/portal/accounts/1",
     "/portal/files/1"],
)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/portal/login"


def test_a_staff_session_is_not_a_debtor_session(client, signed_in):
    signed_in()
    assert client.get("/portal/").headers["Location"] == "/portal/login"
