"""Magic links in reminders and agents' replies: one use, 72 hours, one contact; an old,
reused or tampered link falls back to a code page that never shows the full address."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.channels.email.outbound import send_email_job
from helpdesk.reminders.dispatcher import run_due
from helpdesk.reminders.models import ReminderSchedule, ReminderStep
from helpdesk.signins import links
from helpdesk.signins.models import MagicLink
from helpdesk.tickets import services as tickets
from tests.portal.conftest import code_from, code_mails_to, mails_to
from tests.portal.test_whatsapp_code import graph  # noqa: F401  (fixture)

CONTINUE = "Continuar a su portal"
FALLBACK = "Este enlace ya no funciona"
PUBLIC = "https://portal.example.mx"


@pytest.fixture(autouse=True)
def public_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)


def issue(session, contact) -> str:
    token = links.issue(
        session, contact.id, purpose="reply", secret=current_app.config["SECRET_KEY"],
        now=clock.now(),
    )
    session.commit()
    return token


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC + "/portal/link/"), url
    return url[len(PUBLIC):]


def link_in(mail) -> str:
    body = mail.get_body(("plain",)).get_content()
    return path_of(re.search(r"https://\S+/portal/link/\S+", body).group(0))


def test_a_link_signs_its_contact_in_once(app, session, make, client):
    contact, other = make.contact(), make.contact()
    token = issue(session, contact)
    stored = session.scalar(select(MagicLink).where(MagicLink.contact_id == contact.id))
    assert token not in stored.token_hash and stored.expires_at == clock.now() + timedelta(hours=72)

    page = client.get(f"/portal/link/{token}")
    assert page.status_code == 200 and CONTINUE in page.get_data(as_text=True)
    assert client.get(f"/portal/link/{token}").status_code == 200  # a scanner's GET uses nothing
    response = client.post(f"/portal/link/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    home = client.get("/portal/").get_data(as_text=True)
    assert contact.name in home and other.name not in home
    audited = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "portal.signed_in_by_link")
    )
    assert audited.object_id == stored.id and audited.after == {"purpose": "reply"}

    again = app.test_client()
    response = again.post(f"/portal/link/{token}")
    assert response.headers["Location"] == "/portal/link/expired"
    page = again.get("/portal/link/expired").get_data(as_text=True)
    assert FALLBACK in page and "d***@correo.mx" in page and contact.email not in page
    assert again.get("/portal/").headers["Location"] == "/portal/login"


def test_an_expired_link_offers_a_code_to_the_masked_address(app, session, make, client):
    contact = make.contact()
    token = issue(session, contact)
    with clock.freeze(clock.now() + timedelta(hours=72, minutes=1)):
        assert client.get(f"/portal/link/{token}").headers["Location"] == "/portal/link/expired"
        assert client.post(f"/portal/link/{token}").headers["Location"] == "/portal/link/expired"
        page = client.get("/portal/link/expired").get_data(as_text=True)
        assert "d***@correo.mx" in page and contact.email not in page

        response = client.post("/portal/link/expired")
        assert response.headers["Location"] == "/portal/verify"
        page = client.get("/portal/verify").get_data(as_text=True)
        assert "d***@correo.mx" in page and contact.email not in page
        code = code_from(code_mails_to(app, contact.email)[-1])
        assert client.post("/portal/verify", data={"code": code}).headers["Location"] == "/portal/"
    assert contact.email not in str(client.get_cookie("aclara_portal", path="/portal").value)


def test_a_tampered_link_names_nobody(app, session, make, client):
    contact = make.contact()
    token = issue(session, contact)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/portal/link/{forged}").headers["Location"] == "/portal/link/expired"
    page = client.get("/portal/link/expired").get_data(as_text=True)
    assert FALLBACK in page and "***" not in page and "Ingresar con un código" in page
    assert client.post("/portal/link/expired").status_code == 200  # no address: nothing sent
    assert code_mails_to(app, contact.email) == []
    assert client.get("/portal/").headers["Location"] == "/portal/login"


def test_opening_links_is_limited_per_ip(app, session, make, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_LINK_RATE_LIMIT", "3 per 15 minutes")
    for n in range(3):
        client.get(f"/portal/link/guess{n}")
    assert client.get("/portal/link/guess9").status_code == 429
    token = issue(session, make.contact())
    assert client.post(f"/portal/link/{token}").status_code == 429


def test_the_link_is_used_by_a_post_with_the_csrf_token(app, session, make, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = issue(session, make.contact())
    assert client.post(f"/portal/link/{token}").status_code == 400
    page = client.get(f"/portal/link/{token}").get_data(as_text=True)
    assert CONTINUE in page  # refused, not used
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/portal/link/{token}", data={"csrf_token": csrf})
    assert response.headers["Location"] == "/portal/"


def test_a_reminder_email_carries_a_working_link(app, session, make, client):
    now = clock.now()
    session.add(
        ReminderSchedule(
            creditor="Banco Demo", portfolio="Tarjetas", name="Tarjetas", country="MX",
            is_active=True, created_at=now, updated_at=now,
            steps=[ReminderStep(offset_days=0, channel="email")],
        )
    )
    account = make.account(next_due_date=date(2026, 11, 23))
    session.commit()
    with clock.freeze(clock.now().replace(year=2026, month=11, day=23, hour=16)):
        report = run_due(session, config=current_app.config, now=clock.now()).as_json()
        session.commit()
        assert len(report["sent"]) == 1, report
        (mail,) = mails_to(app, account.contact.email)
        assert "funciona una sola vez, durante 72 horas" in mail.get_body(("plain",)).get_content()
        link = link_in(mail)
        client.get(link)
        assert client.post(link).headers["Location"] == "/portal/"
        assert account.number in client.get("/portal/").get_data(as_text=True)


def test_an_agents_email_reply_carries_a_working_link(app, session, make, client):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    reply = tickets.reply(session, ticket, author=make.user(), text="Revisamos su caso.",
                          now=clock.now())
    session.commit()
    send_email_job(reply.id)
    (mail,) = mails_to(app, contact.email)
    html = mail.get_body(("html",)).get_content()
    link = link_in(mail)
    assert f'href="{PUBLIC}{link}"' in html
    assert client.post(link).headers["Location"] == "/portal/"
    assert ticket.folio in client.get("/portal/").get_data(as_text=True)


def test_a_reply_copied_to_someone_else_carries_no_link(app, session, make):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    reply = tickets.reply(session, ticket, author=make.user(), text="Revisamos su caso.",
                          now=clock.now())
    reply.recipients = {"to": [contact.email], "cc": ["abogado@despacho.mx"]}
    session.commit()
    send_email_job(reply.id)
    (mail,) = mails_to(app, contact.email)
    assert "/portal/link/" not in mail.get_body(("plain",)).get_content()
    assert session.scalar(select(MagicLink).where(MagicLink.contact_id == contact.id)) is None


def test_a_whatsapp_reminder_can_carry_the_link_in_its_url_button(
    app, session, make, client, graph, monkeypatch  # noqa: F811
):
    monkeypatch.setitem(app.config, "REMINDER_WHATSAPP_LINK_BUTTON", True)
    now = clock.now()
    session.add(
        ReminderSchedule(
            creditor="Banco Demo", portfolio="Tarjetas", name="Tarjetas", country="MX",
            is_active=True, created_at=now, updated_at=now,
            steps=[ReminderStep(offset_days=0, channel="whatsapp",
                                template_name="recordatorio_con_enlace")],
        )
    )
    account = make.account(contact=make.contact(phone="+525512345678"),
                           next_due_date=date(2026, 11, 23))
    session.commit()
    report = run_due(session, config=current_app.config, now=now).as_json()
    session.commit()
    assert len(report["sent"]) == 1, report
    (payload,) = graph.sent()
    body, button = payload["template"]["components"]
    assert [p["text"] for p in body["parameters"]][1] == account.number
    assert (button["type"], button["sub_type"], button["index"]) == ("button", "url", "0")
    token = button["parameters"][0]["text"]
    assert client.post(f"/portal/link/{token}").headers["Location"] == "/portal/"
