"""What agents and admins see of the email channel."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk import clock
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.models import Mailbox
from helpdesk.tickets.models import Ticket
from tests.channels.email.mail import raw_email
from tests.factories import email_settings

QUOTED_REPLY = (
    "Ya revisé y sigue apareciendo.\n\n"
    "El lun, 23 nov 2026 a las 10:00, Aclaraciones (<aclaraciones@banco-demo.mx>) escribió:\n"
    "> Hola, ¿nos confirma el monto del cargo?\n"
)


def test_the_ticket_page_folds_quoted_text_and_shows_failures(client, signed_in, session):
    signed_in()
    result = ingest_raw(
        session,
        raw_email(message_id="q1@correo.mx", body=QUOTED_REPLY),
        source="test",
        settings=email_settings(),
        now=clock.now(),
    )
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    ack = ticket.messages[-1]
    ack.delivery_status, ack.delivery_error = "failed", "550 5.1.1 User unknown"
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Ya revisé y sigue apareciendo." in page
    assert "Mostrar texto citado" in page
    assert "No entregado: 550 5.1.1 User unknown" in page
    assert "Automático" in page


def test_oversize_parts_are_listed_on_the_message(client, signed_in, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 2000)
    signed_in()
    raw = raw_email(
        message_id="big@correo.mx",
        attachments=[("estado de cuenta.pdf", "application/pdf", b"%PDF" * 2000)],
    )
    result = ingest_raw(session, raw, source="test", settings=email_settings(), now=clock.now())
    page = client.get(f"/tickets/{result.folio}").get_data(as_text=True)
    assert "No incluido: estado de cuenta.pdf" in page


def test_admin_adds_a_mailbox_with_an_encrypted_password(client, signed_in, session, make):
    signed_in("admin")
    queue = make.queue("Aclaraciones")
    response = client.post(
        "/admin/mailboxes",
        data={
            "name": "aclaraciones",
            "email_address": "aclaraciones@banco-demo.mx",
            "queue": str(queue.id),
            "imap_host": "imap.banco-demo.mx",
            "imap_port": "993",
            "imap_security": "ssl",
            "imap_user": "aclaraciones",
            "password": "s3creto-imap",
            "folder": "INBOX",
            "smtp_port": "587",
            "smtp_security": "starttls",
        },
    )
    assert response.status_code == 302
    mailbox = session.scalar(select(Mailbox).where(Mailbox.name == "aclaraciones"))
    assert mailbox.queue is queue
    assert "s3creto-imap" not in (mailbox.imap_password_encrypted or "")
    page = client.get("/admin/mailboxes").get_data(as_text=True)
    assert "aclaraciones@banco-demo.mx" in page and "s3creto-imap" not in page


def test_an_unreachable_mailbox_test_reports_the_error(client, signed_in, session):
    signed_in("admin")
    client.post(
        "/admin/mailboxes",
        data={
            "name": "caido",
            "email_address": "caido@banco-demo.mx",
            "queue": "",
            "imap_host": "127.0.0.1",
            "imap_port": "1",
            "imap_security": "none",
            "imap_user": "x",
            "password": "clave",
            "folder": "INBOX",
            "smtp_port": "587",
            "smtp_security": "starttls",
        },
    )
    mailbox = session.scalar(select(Mailbox).where(Mailbox.name == "caido"))
    page = client.post(f"/admin/mailboxes/{mailbox.id}/test", follow_redirects=True)
    assert "No se pudo usar caido" in page.get_data(as_text=True)


def test_quarantine_page_lists_reasons_and_retries(client, signed_in, session):
    signed_in("admin")
    ingest_raw(
        session,
        b"\x00\x01 garbage",
        source="file:roto.eml",
        settings=email_settings(),
        now=clock.now(),
    )
    page = client.get("/admin/quarantine").get_data(as_text=True)
    assert "file:roto.eml" in page and "unparseable" in page


def test_agents_cannot_manage_mailboxes_or_the_quarantine(client, signed_in):
    signed_in("supervisor")
    assert client.get("/admin/mailboxes").status_code == 403
    assert client.get("/admin/quarantine").status_code == 403
