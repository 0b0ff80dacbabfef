"""The public web form /contacto: a ticket through intake as channel "webform", the contact
found by email or phone (never given a new address), an account linked only when it is
theirs, the acuse offered with a signed token, and no CAPTCHA but a honeypot, a minimum
fill time and limits per IP and per address."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.channels.webform import tokens as webform
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.holds import queries as hold_queries
from helpdesk.tickets.models import Message, Ticket
from tests.portal.conftest import mails_to
from tests.receipts.conftest import pdf_text
from tests.webform.conftest import ES, started, token_of


def tickets_count(session) -> int:
    return session.scalar(select(func.count(Ticket.id)))


def ticket_of(session, token: str) -> Ticket:
    found = webform.ticket_for_token(session, webform_secret(session), token, now=clock.now())
    assert found is not None
    return found[0]


def webform_secret(_session) -> str:
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def notes_of(session, ticket: Ticket) -> str:
    return "\n".join(
        session.scalars(
            select(Message.text).where(Message.ticket_id == ticket.id, Message.direction == "note")
        )
    )


def held(session, account) -> bool:
    return hold_queries.hold_state(session, account, now=clock.now())["active"]


# --- Sending -------------------------------------------------------------------------------


def test_a_known_debtor_disputes_from_the_form_and_collection_pauses(
    app, client, session, make, send_form
):
    contact = make.contact(email="maria.lopez@correo.mx")
    account = make.account(contact=contact, number="MX-778899")
    page = client.get("/contacto", headers=ES)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="es"' in html and "Escríbanos" in html
    assert 'href="/portal/login"' in html  # people with an account are sent to sign in
    token = re.search(r'name="started" type="hidden" value="([^"]+)"', html).group(1)

    with clock.freeze(clock.now() + timedelta(seconds=40)):
        response = send_form(email="Maria.Lopez@correo.mx", account="MX-778899", started=token)
        token = token_of(response)
        ticket = ticket_of(session, token)

        assert (ticket.channel, ticket.type) == ("webform", "dispute")
        assert ticket.contact_id == contact.id
        assert ticket.accounts == [account]
        assert held(session, account)
        assert "Número de cuenta: MX-778899" in ticket.messages[0].text
        assert "MX-778899" in notes_of(session, ticket)

        sent = client.get(f"/contacto/recibido/{token}", headers=ES)
        page = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert "no-store" in sent.headers["Cache-Control"]
    assert ticket.folio in page
    assert f'href="/contacto/acuse/{token}.pdf"' in page
    assert "También le enviamos el acuse de recibo a su correo." in page

    mails = mails_to(app, "maria.lopez@correo.mx")
    assert len(mails) == 1
    assert ticket.folio in str(mails[0]["Subject"])
    attached = [part.get_filename() for part in mails[0].iter_attachments()]
    assert attached == [f"acuse-{ticket.folio}.pdf"]


def test_someone_new_becomes_a_contact_with_the_email_and_phone_given(
    app, client, session, send_form
):
    token = token_of(
        send_form(email="nuevo@correo.mx", phone="(55) 1234-5678", kind="payment_plan")
    )
    ticket = ticket_of(session, token)

    contact = ticket.contact
    assert contact.name == "María Fernanda López"
    assert (contact.email, contact.phone) == ("nuevo@correo.mx", "+525512345678")
    assert contact.language == "es"
    assert ticket.channel == "webform" and ticket.type == "payment_plan"
    assert ticket.subject == "Quiero un convenio de pago"
    assert len(mails_to(app, "nuevo@correo.mx")) == 1


def test_with_only_a_phone_no_mail_is_sent_and_the_page_says_nothing_about_one(
    app, client, session, send_form
):
    token = token_of(send_form(phone="+57 300 123 4567"))
    ticket = ticket_of(session, token)
    assert ticket.contact.phone == "+573001234567" and ticket.contact.email is None
    page = client.get(f"/contacto/recibido/{token}", headers=ES).get_data(as_text=True)
    assert ticket.folio in page and "a su correo" not in page


@pytest.mark.parametrize(
    "typed", ["55 1234 5678", "(55) 1234-5678", "+52 1 55 1234 5678", "0052 55 1234 5678"]
)
def test_a_phone_in_any_format_finds_the_contact(client, session, make, send_form, typed):
    contact = make.contact(email=None, phone="+525512345678")
    ticket = ticket_of(session, token_of(send_form(phone=typed)))
    assert ticket.contact_id == contact.id


def test_a_known_contact_gets_no_new_address_from_the_form(client, session, make, send_form):
    contact = make.contact(email="titular@correo.mx")
    ticket = ticket_of(
        session, token_of(send_form(email="titular@correo.mx", phone="55 9999 0000"))
    )
    assert ticket.contact_id == contact.id
    values = session.scalars(
        select(ContactIdentity.value).where(ContactIdentity.contact_id == contact.id)
    ).all()
    assert values == ["titular@correo.mx"]
    assert "+525599990000" in notes_of(session, ticket)  # the agent still sees it


def test_an_account_of_someone_else_is_not_linked_and_only_the_agent_is_told(
    app, client, session, make, send_form
):
    make.contact(email="otra@correo.mx")
    stranger_account = make.account(contact=make.contact(), number="MX-000111")
    token = token_of(
        send_form(email="otra@correo.mx", account="MX-000111", kind="dispute")
    )
    ticket = ticket_of(session, token)
    assert ticket.accounts == []
    assert not held(session, stranger_account)
    assert "MX-000111" in notes_of(session, ticket)
    assert re.search(r"MX-000111, (not matched|no coincide)", notes_of(session, ticket))

    # What the person who wrote sees is the same as for a matching number.
    page = client.get(f"/contacto/recibido/{token}", headers=ES).get_data(as_text=True)
    assert "coincide" not in page and "MX-000111" not in page
    acuse = pdf_text(client.get(f"/contacto/acuse/{token}.pdf").data)
    assert "Número de cuenta: MX-000111" in acuse
    assert "coincide" not in acuse and "Cobranza" not in acuse


def test_an_unknown_account_number_is_noted_for_the_agent_not_linked(
    client, session, make, send_form, signed_in
):
    make.contact(email="cliente@correo.mx")
    ticket = ticket_of(
        session, token_of(send_form(email="cliente@correo.mx", account="NO-EXISTE-1"))
    )
    assert ticket.accounts == []

    signed_in("agent")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Formulario web" in page
    assert "Número de cuenta indicado: NO-EXISTE-1, no coincide" in page


def test_the_form_works_with_csrf_on_for_the_rest_of_the_app(
    client, session, send_form, csrf_enabled
):
    # The session's CSRF token cannot reach a third-party iframe; the form's own token does.
    assert send_form(email="csrf@correo.mx").status_code == 303
    assert client.post("/login", data={"email": "a@b.mx", "password": "x"}).status_code == 400


def test_files_are_kept_and_a_too_large_one_is_refused_with_the_text_kept(
    app, client, session, send_form, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTAL_MAX_FILE_BYTES", 1000)
    before = tickets_count(session)
    big = {"files": [(io.BytesIO(b"x" * 2000), "estado.pdf")]}
    refused = send_form(email="a@correo.mx", text="Mi texto largo que no se pierde", **big)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "estado.pdf" in page and "Mi texto largo que no se pierde" in page
    assert tickets_count(session) == before

    small = {"files": [(io.BytesIO(b"%PDF-1.4 recibo"), "recibo.pdf")]}
    ticket = ticket_of(session, token_of(send_form(email="a@correo.mx", **small)))
    assert [a.filename for a in ticket.messages[0].attachments] == ["recibo.pdf"]


def test_more_than_the_app_accepts_at_once_gets_a_clear_page(
    app, client, session, send_form, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    before = tickets_count(session)
    huge = {"files": [(io.BytesIO(b"x" * 20000), "foto.jpg")]}
    response = send_form(email="grande@correo.mx", **huge)
    assert response.status_code == 413
    assert "Sus archivos son demasiado grandes" in response.get_data(as_text=True)
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert tickets_count(session) == before


# --- Refusals --------------------------------------------------------------------------------


def test_a_form_with_only_a_name_shows_every_missing_field_and_keeps_the_name(
    client, session, send_form
):
    before = tickets_count(session)
    response = send_form(kind="", text="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "María Fernanda López" in page
    assert "Denos un correo electrónico o un teléfono para poder responderle." in page
    assert "Elija de qué se trata su mensaje." in page
    assert "Escriba su mensaje." in page
    assert tickets_count(session) == before


def test_a_wrong_phone_is_refused_with_the_text_kept(client, session, send_form):
    response = send_form(phone="12", text="Texto que debe seguir aquí")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ese número de teléfono no parece correcto" in page
    assert "Texto que debe seguir aquí" in page


def test_a_form_sent_too_quickly_is_shown_again_with_the_text(app, client, session, send_form):
    before = tickets_count(session)
    response = send_form(
        email="rapido@correo.mx", text="Escribí muy rápido", started=started(app, seconds_ago=1)
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Eso fue muy rápido. Revise su mensaje y envíelo de nuevo." in page
    assert "Escribí muy rápido" in page
    assert tickets_count(session) == before


def test_the_honeypot_thanks_the_bot_and_opens_nothing(
    client, session, send_form, caplog
):
    caplog.set_level(logging.INFO, logger="blueprints.webform.views")
    before = tickets_count(session)
    response = send_form(email="robot@spam.example", website="http://spam.example")
    assert response.status_code == 200
    assert "Recibimos su mensaje" in response.get_data(as_text=True)
    assert tickets_count(session) == before
    assert session.scalar(select(func.count(Contact.id)).join(ContactIdentity).where(
        ContactIdentity.value == "robot@spam.example")) == 0  # fmt: skip
    assert "honeypot" in caplog.text and "robot@spam.example" not in caplog.text


def test_the_honeypot_is_hidden_from_people_but_not_with_display_none(client):
    html = client.get("/contacto", headers=ES).get_data(as_text=True)
    trap = re.search(r'<div class="webform-trap" aria-hidden="true">.*?</div>', html, re.S)
    assert trap is not None
    assert 'tabindex="-1"' in trap.group(0) and 'autocomplete="off"' in trap.group(0)
    assert "display:none" not in trap.group(0).replace(" ", "")


def test_a_post_without_or_with_an_altered_start_token_is_refused(client, session, send_form):
    before = tickets_count(session)
    assert send_form(email="a@correo.mx", started="").status_code == 400
    forged = webform.form_token("another-secret", now=clock.now() - timedelta(minutes=5))
    assert send_form(email="a@correo.mx", started=forged).status_code == 400
    assert tickets_count(session) == before


def test_a_post_from_another_site_is_refused(client, session, send_form):
    before = tickets_count(session)
    response = send_form(email="a@correo.mx", headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert tickets_count(session) == before
    ours = send_form(email="a@correo.mx", headers={"Origin": "http://localhost"})
    assert ours.status_code == 303


def test_the_form_sets_no_session_cookie(client):
    # Inside a creditor's iframe the cookie would be a third-party cookie: nothing needs it.
    response = client.get("/contacto", headers=ES)
    assert "Set-Cookie" not in response.headers


# --- Rate limits ----------------------------------------------------------------------------


def test_posts_are_limited_per_ip_with_a_friendly_page(app, client, send_form, monkeypatch):
    monkeypatch.setitem(app.config, "WEBFORM_IP_RATE_LIMIT", "2 per hour")
    assert send_form(email="uno@correo.mx").status_code == 303
    assert send_form(email="dos@correo.mx").status_code == 303
    limited = send_form(email="tres@correo.mx")
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Demasiados mensajes" in page and 'href="/contacto"' in page
    assert "frame-ancestors 'self'" in limited.headers["Content-Security-Policy"]


def test_posts_are_limited_per_address_from_any_ip(app, session, send_form, monkeypatch):
    monkeypatch.setitem(app.config, "WEBFORM_ADDRESS_RATE_LIMIT", "2 per hour")
    for n in range(2):
        http = app.test_client()
        http.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert send_form(http, email="misma@correo.mx").status_code == 303
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert send_form(http, email="MISMA@correo.mx").status_code == 429
    # The same number written another way is the same address.
    for n, typed in enumerate(["55 2222 3333", "+52 55 2222 3333"]):
        http = app.test_client()
        http.environ_base["REMOTE_ADDR"] = f"10.0.1.{n + 1}"
        assert send_form(http, phone=typed).status_code == 303
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = "10.0.1.9"
    assert send_form(http, phone="(55) 2222-3333").status_code == 429
    # Somebody else from one of those IPs is not held back.
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert send_form(http, email="otra.persona@correo.mx").status_code == 303


# --- The acuse token ------------------------------------------------------------------------


def test_the_acuse_downloads_with_its_token_and_nothing_else(
    app, client, session, make, send_form
):
    token = token_of(send_form(email="acuse@correo.mx"))
    ticket = ticket_of(session, token)

    response = client.get(f"/contacto/acuse/{token}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=acuse-{ticket.folio}.pdf"
    text = pdf_text(response.data)
    assert ticket.folio in text and "Formulario web" in text

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/contacto/acuse/{tampered}.pdf").status_code == 404
    assert client.get(f"/contacto/recibido/{tampered}").status_code == 404
    assert client.get(f"/contacto/acuse/{ticket.id}.pdf").status_code == 404

    # A token made for another kind of ticket (say, an email one) opens nothing.
    other = make.ticket(contact=ticket.contact, channel="email")
    forged = webform.acuse_token(app.config["SECRET_KEY"], other, mailed=False, now=clock.now())
    assert client.get(f"/contacto/acuse/{forged}.pdf").status_code == 404
    # Nor does the form's own token, signed with the same key.
    assert client.get(f"/contacto/acuse/{started(app)}.pdf").status_code == 404

    with clock.freeze(clock.now() + timedelta(hours=25)):
        assert client.get(f"/contacto/acuse/{token}.pdf").status_code == 404
        assert client.get(f"/contacto/recibido/{token}").status_code == 404


def test_the_downloaded_acuse_hides_what_the_contacts_own_acuse_shows(
    client, session, make, send_form
):
    contact = make.contact(email="dueno@correo.mx", name="Nombre En Archivo")
    make.account(contact=contact, number="MX-123123")
    token = token_of(send_form(email="dueno@correo.mx", account="MX-123123"))
    text = pdf_text(client.get(f"/contacto/acuse/{token}.pdf").data)
    assert "Nombre En Archivo" not in text  # the name on file
    assert "12,500.50" not in text and "12 500,50" not in text  # the balance
    assert "Número de cuenta: MX-123123" in text  # what they wrote themselves


# --- Framing -------------------------------------------------------------------------------


def test_only_the_form_may_be_framed_and_only_by_the_configured_origins(
    app, client, send_form, session, monkeypatch
):
    monkeypatch.setitem(
        app.config, "WEBFORM_ALLOWED_ORIGINS", ("https://www.acreedor.example", "https://b.example")
    )
    form = client.get("/contacto", headers=ES)
    policy = form.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.acreedor.example https://b.example" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "X-Frame-Options" not in form.headers

    token = token_of(send_form(email="marco@correo.mx"))
    for path in (f"/contacto/recibido/{token}", f"/contacto/acuse/{token}.pdf"):
        response = client.get(path)
        assert response.status_code == 200
        assert "frame-ancestors 'self' https://www.acreedor.example" in response.headers[
            "Content-Security-Policy"
        ]
        assert "X-Frame-Options" not in response.headers
    pdf_policy = client.get(f"/contacto/acuse/{token}.pdf").headers["Content-Security-Policy"]
    assert "sandbox" in pdf_policy  # the download keeps its own policy

    for path in ("/portal/login", "/login", "/contacto-no"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_without_origins_configured_only_our_own_pages_may_frame_the_form(client):
    response = client.get("/contacto", headers=ES)
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


# --- The deadline, and the settings ---------------------------------------------------------


def test_the_confirmation_gives_the_deadline_the_rules_set(
    client, session, send_form, sla_queue
):
    from helpdesk.audit.services import Actor
    from helpdesk.tickets import services as tickets

    token = token_of(send_form(email="plazo@correo.mx"))
    ticket = ticket_of(session, token)
    tickets.set_queue(session, ticket, sla_queue, actor=Actor.system("test"), now=clock.now())
    session.commit()

    page = client.get(f"/contacto/recibido/{token}", headers=ES).get_data(as_text=True)
    assert "Le responderemos a más tardar el 7 de enero de 2027." in page


@pytest.mark.parametrize(
    "value", ["http://www.banco.example", "https://www.banco.example/ayuda", "*", "https://*.x.mx"]
)
def test_only_https_origins_are_accepted_for_framing(tmp_path, value):
    from helpdesk.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="HELPDESK_WEBFORM_ALLOWED_ORIGINS"):
        load_config(tmp_path, {"SECRET_KEY": "k" * 40, "WEBFORM_ALLOWED_ORIGINS": value})
    config = load_config(
        tmp_path,
        {"SECRET_KEY": "k" * 40, "WEBFORM_ALLOWED_ORIGINS": "https://A.example, https://b.mx:8443/"},
    )
    assert config["WEBFORM_ALLOWED_ORIGINS"] == ("https://a.example", "https://b.mx:8443")
