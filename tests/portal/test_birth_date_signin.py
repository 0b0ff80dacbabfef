"""Signing in with an account number (or a folio) plus the date of birth, for creditors
configured with "birth_date": the date in any accepted format; a wrong date, a contact
without one and a fact of the other kind all answer exactly as an unknown account; the
form offers the choice only when some creditor asks a date of birth."""

from __future__ import annotations

import re
from datetime import date

import pytest

from helpdesk.portal.facts import BIRTH_DATE, PHONE_LAST4, contact_by_account_and_fact

PHONE = "+525512345678"
BORN = date(1985, 12, 31)
BY_BIRTH = {"Banco Demo": BIRTH_DATE}


@pytest.fixture
def by_birth(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_IDENTIFYING_FACTS", BY_BIRTH)


def debtor(make, session, born: date | None = BORN, phone: str = PHONE):
    contact = make.contact(phone=phone)
    contact.birth_date = born
    account = make.account(contact=contact)
    session.flush()
    return contact, account


@pytest.mark.parametrize("typed", ["31/12/1985", "31-12-1985", "1985-12-31", " 31/12/1985 ",
                                   "31121985"])
def test_the_date_matches_in_every_accepted_format(session, make, typed):
    contact, account = debtor(make, session)
    found = contact_by_account_and_fact(
        session, account.number, typed, facts=BY_BIRTH, kind=BIRTH_DATE
    )
    assert found == contact


@pytest.mark.parametrize("typed", ["30/12/1985", "12/31/1985", "1985", "", "5678"])
def test_a_wrong_date_matches_nobody(session, make, typed):
    _contact, account = debtor(make, session)
    assert contact_by_account_and_fact(
        session, account.number, typed, facts=BY_BIRTH, kind=BIRTH_DATE
    ) is None


def test_a_contact_without_a_birth_date_never_matches(session, make):
    _contact, account = debtor(make, session, born=None)
    for typed in ("", "01/01/1900", "1985-12-31"):
        assert contact_by_account_and_fact(
            session, account.number, typed, facts=BY_BIRTH, kind=BIRTH_DATE
        ) is None


def test_only_the_fact_the_creditor_asks_is_checked(session, make):
    _contact, account = debtor(make, session)
    # Configured for the phone (the default): a right date of birth does not match.
    assert contact_by_account_and_fact(
        session, account.number, "31/12/1985", facts={}, kind=BIRTH_DATE
    ) is None
    assert contact_by_account_and_fact(
        session, account.number, "5678", facts={}, kind=PHONE_LAST4
    ) is not None
    # Configured for the date of birth: the right phone digits do not match.
    assert contact_by_account_and_fact(
        session, account.number, "5678", facts=BY_BIRTH, kind=PHONE_LAST4
    ) is None


def answer(client, reference: str, **data: str) -> tuple[int, str, str]:
    response = client.post("/portal/login/account", data={"reference": reference, **data})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], page


def test_the_right_date_leads_to_the_channels_on_file(app, client, session, make, by_birth):
    _contact, account = debtor(make, session)
    session.commit()
    status, location, _page = answer(
        client, account.number, kind=BIRTH_DATE, birth_date="31/12/1985"
    )
    assert (status, location) == (302, "/portal/choose")


def test_a_wrong_date_answers_as_an_unknown_account(app, session, make, by_birth):
    _contact, account = debtor(make, session)
    _no_date, other = debtor(make, session, born=None, phone="+525587654321")
    session.commit()
    answers = []
    tries = (
        (account.number, {"kind": BIRTH_DATE, "birth_date": "01/01/1985"}),
        ("MX-NO-EXISTE", {"kind": BIRTH_DATE, "birth_date": "31/12/1985"}),
        (account.number, {"kind": PHONE_LAST4, "fact": "5678"}),  # the other kind
        (other.number, {"kind": BIRTH_DATE, "birth_date": "31/12/1985"}),  # none on file
    )
    for reference, data in tries:
        status, location, page = answer(app.test_client(), reference, **data)
        answers.append((status, location, re.sub(r'name="csrf_token"[^>]*>', "", page)))
    assert all(a == answers[0] for a in answers)
    assert answers[0][1] == "/portal/verify"
    assert "Si los datos coinciden con una cuenta" in answers[0][2]
    assert "correo.mx" not in answers[0][2]


def test_a_date_that_is_not_one_is_said_so_whatever_the_account(app, client, by_birth):
    response = client.post("/portal/login/account", data={
        "reference": "MX-NO-EXISTE", "kind": BIRTH_DATE, "birth_date": "31/13/1985"})
    assert response.status_code == 200
    assert "Escriba la fecha como DD/MM/AAAA" in response.get_data(as_text=True)


def test_the_form_offers_the_choice_only_when_a_creditor_asks_a_date(app, client, monkeypatch):
    page = client.get("/portal/login/account").get_data(as_text=True)
    assert "Fecha de nacimiento" not in page and 'type="radio"' not in page
    assert "Últimos cuatro dígitos de su teléfono registrado" in page
    assert "fact-choice.js" not in page
    monkeypatch.setitem(app.config, "PORTAL_IDENTIFYING_FACTS", {"Otro Banco": BIRTH_DATE})
    page = client.get("/portal/login/account").get_data(as_text=True)
    assert "Últimos 4 dígitos de su teléfono" in page and "Fecha de nacimiento" in page
    assert page.count('type="radio"') == 2 and 'placeholder="DD/MM/AAAA"' in page
    assert "fact-choice.js" in page
    monkeypatch.setitem(app.config, "PORTAL_IDENTIFYING_FACTS", {"Otro Banco": PHONE_LAST4})
    assert 'type="radio"' not in client.get("/portal/login/account").get_data(as_text=True)


def test_the_choice_reads_in_english(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_IDENTIFYING_FACTS", BY_BIRTH)
    page = client.get("/portal/login/account", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Last 4 digits of your phone" in page and "Date of birth" in page
