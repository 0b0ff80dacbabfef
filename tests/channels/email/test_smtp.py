"""Replies by SMTP, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from helpdesk import clock
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.outbound import send_email_job
from helpdesk.contacts.models import ContactIdentity
from helpdesk.tickets import services as tickets
from helpdesk.tickets.message_ids import ticket_id_from
from helpdesk.tickets.models import Ticket
from tests.channels.email.mail import raw_email
from tests.conftest import SECRET
from tests.factories import email_settings


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp+plain://127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "MAIL_FROM", "aclaraciones@banco-demo.mx")
    try:
        yield inbox
    finally:
        controller.stop()


def open_by_email(session, message_id: str = "root@correo.mx") -> Ticket:
    result = ingest_raw(
        session,
        raw_email(message_id=message_id),
        source="test",
        settings=email_settings(),
        now=clock.now(),
    )
    return session.scalar(select(Ticket).where(Ticket.folio == result.folio))


def test_the_acknowledgement_arrives_threaded_and_marked_automatic(session, smtp):
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    send_email_job(ack.id)

    (mail,) = smtp.messages
    assert ack.delivery_status == "sent"
    assert mail["To"].addresses[0].addr_spec == "guadalupe.nunez@correo.mx"
    assert mail["From"].addresses[0].addr_spec == "aclaraciones@banco-demo.mx"
    # The organisation's name first, then the queue: "Disputas" alone says nothing.
    expected = f"Aclara · {ticket.queue.name}" if ticket.queue else "Aclara"
    assert mail["From"].addresses[0].display_name == expected
    assert f"[{ticket.folio}]" in mail["Subject"]
    assert mail["In-Reply-To"] == "<root@correo.mx>"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert ticket_id_from(mail["Message-ID"], secret=SECRET) == ticket.id
    assert mail.get_body(("plain",)).get_content().count(ticket.folio) == 1
    assert mail.get_body(("html",)) is not None


def test_an_agent_reply_is_sent_and_the_debtors_answer_threads_back(session, smtp, make):
    agent = make.user()
    ticket = open_by_email(session)
    reply = tickets.reply(
        session, ticket, author=agent, text="Adjuntamos el desglose.", now=clock.now()
    )
    send_email_job(reply.id)

    mail = smtp.messages[-1]
    assert "Adjuntamos el desglose." in mail.get_body(("plain",)).get_content()
    assert "Auto-Submitted" not in mail
    assert mail["References"] == "<root@correo.mx>"
    answer = raw_email(
        message_id="answer@correo.mx",
        subject=f"RE: {mail['Subject']}",
        in_reply_to=mail["Message-ID"].strip("<>"),
        references=["root@correo.mx", mail["Message-ID"].strip("<>")],
        body="Gracias, lo reviso.",
    )
    result = ingest_raw(session, answer, source="test", settings=email_settings(), now=clock.now())
    assert result.action == "appended" and result.folio == ticket.folio


def test_sending_twice_sends_once(session, smtp):
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    send_email_job(ack.id)
    send_email_job(ack.id)
    assert len(smtp.messages) == 1


def test_a_refused_recipient_shows_on_the_message_and_flags_the_address(session, smtp):
    smtp.refuse_with = "550 5.1.1 <guadalupe.nunez@correo.mx>: Recipient address rejected"
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    send_email_job(ack.id)
    assert ack.delivery_status == "failed" and "550" in ack.delivery_error
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.value == "guadalupe.nunez@correo.mx")
    )
    assert identity.bounced_at is not None


def test_a_temporary_failure_outside_a_worker_is_reported_not_lost(session, smtp):
    smtp.refuse_with = "451 4.3.0 Try again later"
    ticket = open_by_email(session)
    ack = ticket.messages[-1]
    send_email_job(ack.id)
    assert ack.delivery_status == "failed" and "451" in ack.delivery_error
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.value == "guadalupe.nunez@correo.mx")
    )
    assert identity.bounced_at is None  # temporary: the address is fine


def test_without_a_mail_server_development_keeps_mail_in_the_outbox(
    session, app, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    ticket = open_by_email(session, "outbox@correo.mx")
    ack = ticket.messages[-1]
    send_email_job(ack.id)
    (saved,) = (tmp_path / "outbox").glob("*.eml")
    assert ticket.folio in saved.read_text(errors="replace")
    assert ack.delivery_status == "sent"
