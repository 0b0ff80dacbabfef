"""Signing in with an account number (or a folio) plus the last four digits of the
registered phone: a wrong fact answers exactly as an unknown account; the code goes only
to a channel on file; guessing is limited per account and per IP."""

from __future__ import annotations

import re

from tests.portal.conftest import code_from, code_mails_to

PHONE = "+525512345678"


def answer(client, reference: str, fact: str) -> tuple[int, str, str]:
    response = client.post("/portal/login/account", data={"reference": reference, "fact": fact})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], page


def test_the_right_fact_leads_to_the_channels_on_file(app, client, make):
    contact = make.contact(phone=PHONE)
    account = make.account(contact=contact)
    status, location, page = answer(client, account.number.lower(), "5678")
    assert (status, location) == (302, "/portal/choose")
    assert "d***@correo.mx" in page and contact.email not in page
    assert client.post("/portal/choose", data={"destination": "0"}).status_code == 302
    code = code_from(code_mails_to(app, contact.email)[-1])  # only to the address on file
    assert client.post("/portal/verify", data={"code": code}).headers["Location"] == "/portal/"
    assert account.number in client.get("/portal/").get_data(as_text=True)


def test_a_folio_works_as_well(app, client, make):
    contact = make.contact(phone=PHONE)
    ticket = make.ticket(contact=contact)
    assert answer(client, ticket.folio, "5678")[1] == "/portal/choose"


def test_a_wrong_fact_answers_as_an_unknown_account(app, make):
    contact = make.contact(phone=PHONE)
    account = make.account(contact=contact)
    answers = []
    for reference, fact in ((account.number, "0000"), ("MX-NO-EXISTE", "5678")):
        client = app.test_client()
        status, location, page = answer(client, reference, fact)
        page = re.sub(r'name="csrf_token"[^>]*>', "", page)
        answers.append((status, location, page))
    assert answers[0] == answers[1]
    assert answers[0][1] == "/portal/verify"
    assert "Si los datos coinciden con una cuenta" in answers[0][2]
    assert "correo.mx" not in answers[0][2]
    assert code_mails_to(app, contact.email) == []


def test_a_contact_without_a_phone_cannot_be_found_by_a_fact(app, client, make):
    account = make.account(contact=make.contact())  # no phone on file
    assert answer(client, account.number, "0000")[1] == "/portal/verify"


def test_guessing_the_digits_of_one_account_is_limited(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CODE_RATE_LIMIT", "3 per 15 minutes")
    account = make.account(contact=make.contact(phone=PHONE))
    statuses = [
        client.post("/portal/login/account", data={"reference": account.number,
                                                    "fact": f"{n:04d}"},
                    environ_base={"REMOTE_ADDR": f"10.1.0.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_the_form_needs_the_csrf_token(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    account = make.account(contact=make.contact(phone=PHONE))
    response = client.post("/portal/login/account",
                           data={"reference": account.number, "fact": "5678"})
    assert response.status_code == 400


def test_the_sign_in_page_offers_the_account_way(client):
    page = client.get("/portal/login").get_data(as_text=True)
    assert "Ya no tengo ese correo" in page
    page = client.get("/portal/login/account").get_data(as_text=True)
    assert "Últimos cuatro dígitos de su teléfono registrado" in page
