"""The email acknowledgement carries the acuse de recibo; a PDF that cannot be made never
holds the acknowledgement back. Against the real SMTP server of ``test_smtp``."""

from __future__ import annotations

import logging

from sqlalchemy import select

from helpdesk.audit.models import AuditEvent
from helpdesk.channels.email.outbound import send_email_job
from helpdesk.pdf import PdfError
from tests.channels.email.test_smtp import open_by_email, smtp  # noqa: F401  (fixture)
from tests.receipts.conftest import pdf_text


def actions(session, ticket) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.ticket_id == ticket.id)
            .order_by(AuditEvent.id)
        )
    )


def test_the_acknowledgement_carries_the_acuse_as_a_pdf(session, smtp):  # noqa: F811
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    send_email_job(ack.id)

    (mail,) = smtp.messages
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == f"acuse-{ticket.folio}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Acuse de recibo" in text and ticket.folio in text
    assert "Le responderemos" in text
    body = mail.get_body(("plain",)).get_content()
    assert body.count(ticket.folio) == 1
    assert "Le adjuntamos su acuse de recibo (PDF)" in body  # said only when it is attached
    assert [a.filename for a in ack.attachments] == [f"acuse-{ticket.folio}.pdf"]
    assert "message.acuse_attached" in actions(session, ticket)


def test_a_pdf_that_cannot_be_made_still_sends_the_acknowledgement(
    session,
    smtp,  # noqa: F811
    monkeypatch,
    caplog,
):
    def broken(_acuse):
        raise PdfError("OSError: no fonts")

    monkeypatch.setattr("helpdesk.receipts.services.render_acuse", broken)
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    with caplog.at_level(logging.WARNING, logger="helpdesk.receipts.services"):
        send_email_job(ack.id)

    (mail,) = smtp.messages
    assert list(mail.iter_attachments()) == []
    assert ack.delivery_status == "sent"
    assert ticket.folio in mail.get_body(("plain",)).get_content()
    assert "acuse" not in mail.get_body(("plain",)).get_content()
    assert "no fonts" in caplog.text
    assert "message.acuse_failed" in actions(session, ticket)


def test_an_agents_reply_gets_no_acuse(session, smtp, make):  # noqa: F811
    from helpdesk import clock
    from helpdesk.tickets import services as tickets

    ticket = open_by_email(session)
    reply = tickets.reply(session, ticket, author=make.user(), text="Revisamos.", now=clock.now())
    send_email_job(reply.id)
    assert list(smtp.messages[-1].iter_attachments()) == []
