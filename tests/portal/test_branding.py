"""The portal wears the branding admins set, and looks as before without one."""

from __future__ import annotations

from email.utils import parseaddr

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.branding.services import save_branding
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.outbound import route_for
from helpdesk.tickets.models import Ticket
from tests.attachments.images import photo_with_gps
from tests.channels.email.mail import raw_email
from tests.factories import email_settings
from tests.portal.conftest import code_mails_to


def brand(session, **changes):
    values = {
        "display_name": "Cobranza Justa del Norte",
        "legal_name": "Cobranza Justa del Norte, S.A. de C.V.",
        "primary_color": "#1b4d3e",
        "accent_color": "#1b4d3e",
        "legal_notice": "Despacho registrado ante la CONDUSEF.",
        "privacy_url": "https://cobranzajusta.mx/privacidad",
        "logo": ("logo.png", photo_with_gps("PNG")),
        "remove_logo": False,
    }
    values.update(changes)
    row = save_branding(session, **values, actor=Actor.system("test"), now=clock.now())
    session.commit()
    return row


def test_without_branding_the_portal_looks_as_before(client, session, make, portal_sign_in):
    portal_sign_in(make.contact())
    page = client.get("/portal/").get_data(as_text=True)
    assert '<a class="brand" href="/portal/"><span>Aclara</span></a>' in page
    assert "/brand/theme.css" not in page and "portal-footer" not in page
    assert "<title>Mis cuentas · Aclara</title>" in client.get("/portal/").get_data(as_text=True)


def test_the_portal_shows_the_name_logo_colours_and_privacy_link(
    client, session, make, portal_sign_in
):
    row = brand(session)
    login = client.get("/portal/login").get_data(as_text=True)
    assert "Cobranza Justa del Norte" in login  # before signing in too

    portal_sign_in(make.contact())
    page = client.get("/portal/").get_data(as_text=True)

    assert "<span>Cobranza Justa del Norte</span>" in page
    assert "Cobranza Justa del Norte, S.A. de C.V." in page
    assert "Despacho registrado ante la CONDUSEF." in page
    assert 'href="https://cobranzajusta.mx/privacidad"' in page and "Aviso de privacidad" in page
    assert "· Cobranza Justa del Norte</title>" in page
    assert "/brand/logo?v=" in page
    theme = client.get("/brand/theme.css")
    assert theme.mimetype == "text/css" and "--primary: #1b4d3e" in theme.get_data(as_text=True)
    logo = client.get("/brand/logo")
    assert logo.status_code == 200 and logo.data == row.logo


def test_no_logo_means_no_image_and_a_404_for_its_address(client, session, make):
    brand(session, logo=None)
    assert client.get("/brand/logo").status_code == 404
    assert "/brand/logo" not in client.get("/portal/login").get_data(as_text=True)


def test_the_file_name_of_an_upload_does_not_matter_to_the_logo(session):
    row = brand(session, logo=("logo.jpeg", photo_with_gps("PNG")))
    assert row.logo_type == "image/png" and row.logo[:4] == b"\x89PNG"


def test_the_code_mail_and_the_acknowledgement_carry_the_name_and_privacy_link(
    app, client, session, make
):
    brand(session, logo=None)
    contact = make.contact()
    client.post("/portal/login", data={"email": contact.email})

    [mail] = code_mails_to(app, contact.email)
    assert parseaddr(str(mail["From"]))[0] == "Cobranza Justa del Norte"
    assert str(mail["Subject"]).startswith("Su código para entrar a Cobranza Justa del Norte:")
    body = mail.get_body(("plain",)).get_content()
    assert "Aviso de privacidad: https://cobranzajusta.mx/privacidad" in body
    assert "Despacho registrado ante la CONDUSEF." in body

    result = ingest_raw(
        session, raw_email(message_id="marca@correo.mx"), source="test",
        settings=email_settings(), now=clock.now(),
    )  # fmt: skip
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    ack = ticket.messages[-1]
    assert ack.is_automatic and "Recibimos su mensaje" in ack.text
    queue = f" · {ticket.queue.name}" if ticket.queue else ""
    assert route_for(session, ticket, app.config).name == f"Cobranza Justa del Norte{queue}"
    assert ack.text.endswith(
        "-- \nCobranza Justa del Norte\nCobranza Justa del Norte, S.A. de C.V.\n"
        "Despacho registrado ante la CONDUSEF.\n"
        "Aviso de privacidad: https://cobranzajusta.mx/privacidad"
    )


def test_without_branding_the_code_mail_is_as_before(app, client, make):
    contact = make.contact()
    client.post("/portal/login", data={"email": contact.email})
    [mail] = code_mails_to(app, contact.email)
    assert str(mail["Subject"]).startswith("Su código para entrar a Aclara:")
    assert "Aviso de privacidad" not in mail.get_body(("plain",)).get_content()
