"""Mail nobody here wrote (issue 12): each bullet of the issue, on SQLite and PostgreSQL.

A mail without Subject, line breaks encoded in the subject or the sender's name, an
internationalised address, a Message-ID with a byte that is not UTF-8 or a NUL, a NUL in
the body, 5,000 To addresses, a message whose processing raises; and the API and webhook
bodies of the wrong shape. Every one ends as a ticket or a quarantine row, and every
acknowledgement leaves (or fails with the reason the agent sees) — never stays queued.
"""

from __future__ import annotations

import hashlib
import json
from email.utils import format_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.email import ingest_group as group_module
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.ingest_group import RawMail, ingest_group
from helpdesk.channels.email.models import InboundEmail
from helpdesk.channels.email.outbound import send_email_job
from helpdesk.channels.whatsapp.signature import sign
from helpdesk.contacts.models import ContactIdentity
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tokens.services import SCOPES, create_token
from tests.channels.email.mail import raw_email
from tests.channels.email.test_smtp import Inbox, free_port
from tests.conftest import FIXED_NOW
from tests.factories import email_settings

DATE = format_datetime(FIXED_NOW).encode()


def mail(headers: bytes, body: bytes = b"No reconozco el cargo.\r\n") -> bytes:
    """A raw message from ``headers`` (CRLF-terminated lines) and ``body``, as sent."""
    return (
        headers + b"To: aclaraciones@banco-demo.mx\r\nDate: " + DATE + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )


NO_SUBJECT = mail(
    b"Message-ID: <sin-asunto@correo.mx>\r\nFrom: Rosa <rosa@correo.mx>\r\n",
    "\r\nHola, me llegó un cargo que no reconozco\r\ny quiero aclararlo.\r\nGracias\r\n".encode(),
)
ENCODED_LF = mail(
    b"Message-ID: <lf@correo.mx>\r\nFrom: =?utf-8?q?Ana=0AP=C3=A9rez?= <ana@correo.mx>\r\n"
    b"Subject: =?utf-8?q?Cargo=0Ano_reconocido?=\r\n"
)
BAD_ID_BYTE = mail(b"Message-ID: <bad-\xff@correo.mx>\r\nFrom: luis@correo.mx\r\nSubject: Hola\r\n")
NUL_ID = mail(b"Message-ID: <nul-\x00@correo.mx>\r\nFrom: eva@correo.mx\r\nSubject: Hola\r\n")
ONLY_NUL_ID = mail(b"Message-ID: <\x00>\r\nFrom: eva@correo.mx\r\nSubject: Hola\r\n")
NUL_BODY = mail(
    b"Message-ID: <nul-body@correo.mx>\r\nFrom: jose@correo.mx\r\nSubject: Cargo\r\n",
    b"con un \x00 en medio\r\n",
)
INTERNATIONAL = mail(
    "Message-ID: <idn@correo.mx>\r\nFrom: José <josé@correo.mx>\r\nSubject: Cargo\r\n".encode()
)


def ingest(session, raw: bytes):
    return ingest_raw(session, raw, source="test", settings=email_settings(), now=clock.now())


def ticket_of(session, folio: str) -> Ticket:
    return session.scalar(select(Ticket).where(Ticket.folio == folio))


def acknowledgement(session, folio: str) -> Message:
    ack = ticket_of(session, folio).messages[-1]
    assert ack.is_automatic and ack.direction == "out"
    return ack


def sent(session, folio: str) -> Message:
    """Run the acknowledgement's send job (the development outbox) and return it."""
    ack = acknowledgement(session, folio)
    send_email_job(ack.id)
    session.refresh(ack)
    return ack


# --- 1. values cleaned at the edge --------------------------------------------------------


def test_a_mail_without_subject_gets_its_first_line_and_its_acknowledgement_leaves(session):
    result = ingest(session, NO_SUBJECT)
    assert result.action == "created"
    assert ticket_of(session, result.folio).subject == "Hola, me llegó un cargo que no reconozco"
    assert sent(session, result.folio).delivery_status == "sent"


def test_an_encoded_line_break_in_subject_and_name_stays_out_of_every_header(session):
    result = ingest(session, ENCODED_LF)
    ticket = ticket_of(session, result.folio)
    assert ticket.subject == "Cargo no reconocido"
    assert ticket.contact.name == "Ana Pérez"
    assert sent(session, result.folio).delivery_status == "sent"
    # A second mail from the same contact is fine too (it used to fail for good).
    again = ingest(session, raw_email(message_id="lf-2@correo.mx", sender=("A", "ana@correo.mx")))
    assert sent(session, again.folio).delivery_status == "sent"


def test_stored_names_and_subjects_with_line_breaks_are_sanitised_when_composing(session):
    result = ingest(session, raw_email(message_id="viejo@correo.mx"))
    ticket = ticket_of(session, result.folio)
    ticket.subject, ticket.contact.name = "Cargo\r\nBcc: x@y.z", "Ana\nPérez"
    session.flush()
    ack = sent(session, result.folio)
    assert ack.delivery_status == "sent", ack.delivery_error


@pytest.mark.parametrize(
    "raw", [BAD_ID_BYTE, NUL_ID, ONLY_NUL_ID], ids=["byte-ff", "nul", "only-nul"]
)
def test_a_message_id_with_a_bad_byte_or_nul_does_not_block_the_mail_behind_it(session, raw):
    behind = raw_email(message_id="detras@correo.mx")
    results = ingest_group(
        session,
        [RawMail(raw, "file:malo.eml"), RawMail(behind, "file:bueno.eml")],
        settings=email_settings(),
        now=clock.now(),
    )
    session.flush()
    assert [r.action for r in results] == ["created", "created"]
    stored = results[0].record.message_id_header
    assert "\x00" not in stored and stored.isprintable()
    assert stored.endswith("@correo.mx") or stored.endswith("@aclara.invalid")
    again = ingest_group(
        session, [RawMail(raw, "file:malo.eml")], settings=email_settings(), now=clock.now()
    )
    assert again[0].action == "duplicate"


def test_a_nul_in_the_body_is_cleaned_the_same_on_every_database(session):
    result = ingest(session, NUL_BODY)
    assert result.action == "created"
    text = ticket_of(session, result.folio).messages[0].text
    assert "\x00" not in text and "con un \ufffd en medio" in text


# --- 2. composing cannot raise ------------------------------------------------------------


@pytest.fixture
def smtp_server(app, monkeypatch):
    """An SMTP server on loopback; ``start(smtputf8=…)`` chooses what it offers."""
    controllers = []

    def start(*, smtputf8: bool) -> Inbox:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
        controller.start()
        controllers.append(controller)
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp+plain://127.0.0.1:{port}")
        monkeypatch.setitem(app.config, "MAIL_FROM", "aclaraciones@banco-demo.mx")
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


def test_an_internationalised_address_is_sent_with_smtputf8(session, smtp_server):
    inbox = smtp_server(smtputf8=True)
    result = ingest(session, INTERNATIONAL)
    ack = sent(session, result.folio)
    assert ack.delivery_status == "sent", ack.delivery_error
    assert "josé@correo.mx".encode() in inbox.messages[0].as_bytes()


def test_without_smtputf8_the_message_fails_with_a_clear_reason(session, smtp_server):
    inbox = smtp_server(smtputf8=False)
    result = ingest(session, INTERNATIONAL)
    ack = sent(session, result.folio)
    assert ack.delivery_status == "failed" and "SMTPUTF8" in ack.delivery_error
    assert not inbox.messages
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.value == "josé@correo.mx")
    )
    assert identity.bounced_at is None  # the address is fine; the server is not


def test_a_send_job_that_raises_marks_the_message_failed(session, monkeypatch):
    result = ingest(session, raw_email(message_id="explota@correo.mx"))

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("something nobody foresaw")

    monkeypatch.setattr("helpdesk.channels.email.outbound.compose", broken)
    ack = sent(session, result.folio)
    assert ack.delivery_status == "failed"
    assert "KeyError" in ack.delivery_error and "nobody foresaw" in ack.delivery_error


# --- 3. one message that raises quarantines itself ----------------------------------------


def test_a_message_whose_processing_raises_is_quarantined_and_the_group_goes_on(
    session, monkeypatch
):
    real = group_module.ingest_raw

    def poisoned(session, raw, **kwargs):
        if b"veneno" in raw:
            raise ZeroDivisionError("veneno")
        return real(session, raw, **kwargs)

    monkeypatch.setattr(group_module, "receive", _raising_on(b"veneno"))
    monkeypatch.setattr(group_module, "ingest_raw", poisoned)
    mails = [
        RawMail(raw_email(message_id="antes@correo.mx"), "file:antes.eml"),
        RawMail(raw_email(message_id="veneno@correo.mx", body="veneno"), "file:veneno.eml"),
        RawMail(raw_email(message_id="despues@correo.mx"), "file:despues.eml"),
    ]
    results = ingest_group(session, mails, settings=email_settings(), now=clock.now())
    assert [r.action for r in results] == ["created", "quarantined", "created"]
    reason = results[1].reason
    assert reason.startswith("processing failed: ZeroDivisionError: veneno (at ")
    assert "test_hostile.py" in reason
    row = results[1].record
    assert row.message_id_header == "veneno@correo.mx" and row.source == "file:veneno.eml"


def _raising_on(marker: bytes):
    from helpdesk.intake.services import receive

    def receive_or_raise(session, inbound, **kwargs):
        if marker.decode() in inbound.text:
            raise ZeroDivisionError("veneno")
        return receive(session, inbound, **kwargs)

    return receive_or_raise


# --- 6. bounded cost ----------------------------------------------------------------------


def many_recipients(n: int, message_id: str, domain: str = "correo.mx") -> bytes:
    to = ", ".join(f"Persona {i} <persona{i}@{domain}>" for i in range(n))
    return mail(
        f"Message-ID: <{message_id}>\r\nFrom: ana@correo.mx\r\nSubject: {'x' * 2000}\r\n"
        f"Cc: {to}\r\n".encode()
    )


def ingest_alone_or_grouped(session, raw: bytes, alone: bool):
    if alone:
        return ingest(session, raw)
    (result,) = ingest_group(
        session, [RawMail(raw, "file:muchos.eml")], settings=email_settings(), now=clock.now()
    )
    return result


@pytest.mark.parametrize("alone", [False, True], ids=["group", "one-by-one"])
def test_five_thousand_addresses_and_a_huge_subject_are_capped(session, count_queries, alone):
    """The cap bounds the work: 5,000 addresses cost the database what 50 do. (How long
    it takes is measured by ``benchmarks/hostile.py``, not asserted here.)"""
    for n, domain in enumerate(("primero.mx", "pocos.mx")):  # the first one warms caches up
        with count_queries() as few:
            raw = many_recipients(50, f"pocos-{n}-{alone}@correo.mx", domain)
            ingest_alone_or_grouped(session, raw, alone)
            session.flush()
    raw = many_recipients(5000, f"muchos-{alone}@correo.mx")
    with count_queries() as many:
        result = ingest_alone_or_grouped(session, raw, alone)
        session.flush()
    assert result.action == "created"
    ticket = ticket_of(session, result.folio)
    assert len(ticket.participants) == 50 and len(ticket.subject) <= 300
    notes = {s["filename"]: (s["size"], s["reason"]) for s in ticket.messages[0].skipped_files}
    assert notes["participants"] == (5001, "capped:50")  # To and Cc
    assert notes["subject"] == (2000, "capped:300")
    assert len(result.record.raw) == len(raw)  # everything is still in the raw row
    assert many.count == few.count, (few.count, many.count)


def test_deeply_nested_mime_is_capped_with_a_note(session):
    parts = 200
    body = (
        b"".join(
            f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode()
            for i in range(parts)
        )
        + f"--b{parts}\r\nContent-Type: text/plain\r\n\r\nhondo\r\n".encode()
    )
    raw = (
        b"Message-ID: <hondo@correo.mx>\r\nFrom: ana@correo.mx\r\nSubject: hondo\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + body
    )
    result = ingest(session, raw)
    assert result.action in ("created", "quarantined")
    if result.action == "created":
        skipped = ticket_of(session, result.folio).messages[0].skipped_files or []
        assert any(s["reason"] == "too_deep" for s in skipped)


@pytest.fixture
def api_token(session) -> str:
    _row, secret = create_token(
        session, name="cobranza", scopes=list(SCOPES), expires_in_days=None,
        actor=Actor.system("test"), now=clock.now(),
    )  # fmt: skip
    return secret


@pytest.mark.parametrize(
    "field, value",
    [("creditor", 5), ("creditor", 5.5), ("type", ["complaint"]), ("subject", {"a": 1})],
)
def test_api_fields_of_the_wrong_json_type_are_422_naming_the_field(
    client, api_token, field, value
):
    body = {"type": "complaint", "subject": "Cargo", "text": "No lo reconozco", "account": "123"}
    body[field] = value
    response = client.post(
        "/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {api_token}"}
    )
    assert response.status_code == 422, response.data[:300]
    assert field in json.dumps(response.get_json())


def test_api_outcome_of_the_wrong_type_is_422(client, api_token):
    response = client.post(
        "/api/v1/tickets/ACL-2026-000001/resolve",
        json={"outcome": ["favourable"]},
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert response.status_code in (404, 422)  # never a 500


def test_deeply_nested_json_is_400_for_the_api_and_the_whatsapp_webhook(
    app, client, api_token, monkeypatch
):
    nested = b"[" * 20_000 + b"]" * 20_000
    response = client.post(
        "/api/v1/tickets",
        data=nested,
        headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    monkeypatch.setitem(app.config, "WHATSAPP_APP_SECRET", "secreto")
    body = b'{"entry": ' + nested + b"}"
    response = client.post(
        "/webhooks/whatsapp",
        data=body,
        headers={
            "X-Hub-Signature-256": sign(body, b"secreto"),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400


def test_nothing_is_left_without_a_row(session):
    """Every hostile mail above ends as a ticket message or a quarantine row."""
    raws = [NO_SUBJECT, ENCODED_LF, BAD_ID_BYTE, NUL_ID, NUL_BODY, INTERNATIONAL]
    results = ingest_group(
        session,
        [RawMail(r, f"file:{n}.eml") for n, r in enumerate(raws)],
        settings=email_settings(),
        now=clock.now(),
    )
    session.flush()
    assert all(r.action == "created" for r in results), [r.reason for r in results]
    rows = session.scalar(select(func.count(InboundEmail.id)))
    assert rows == len(raws)


def test_the_agent_sees_what_was_capped_on_the_ticket(client, signed_in, session):
    signed_in("agent")
    result = ingest(session, many_recipients(120, "capado@correo.mx"))
    page = client.get(f"/tickets/{result.folio}").get_data(as_text=True)
    assert "Solo se agregaron 50 de las 121 personas en Para y CC." in page
    assert "El asunto se acortó a 300 de 2000 caracteres." in page


WRONG_TYPES: list[Any] = [5, 5.5, True, None, [], ["x"], {}, {"a": 1}, "", "\x00"]


def test_no_wrong_json_type_in_any_api_field_answers_500(client, api_token):
    """Each field of a valid body (and each contact field) replaced by every JSON type."""
    from tests.api.helpers import account_body

    headers = {"Authorization": f"Bearer {api_token}"}
    ticket = {"type": "complaint", "subject": "Cargo", "text": "No lo reconozco",
              "account": "123", "creditor": "Banco"}  # fmt: skip
    calls: list[tuple[str, str, dict[str, Any]]] = []
    for field in [*account_body(), "flags"]:
        calls += [("put", "/api/v1/accounts/123", account_body(**{field: v})) for v in WRONG_TYPES]
    for field in account_body()["contact"]:
        for value in WRONG_TYPES:
            contact = {**account_body()["contact"], field: value}
            calls.append(("put", "/api/v1/accounts/123", account_body(contact=contact)))
    for field in [*ticket, "contact", "channel"]:
        calls += [("post", "/api/v1/tickets", {**ticket, field: v}) for v in WRONG_TYPES]
    calls += [("post", "/api/v1/accounts:batch", {"accounts": v}) for v in WRONG_TYPES]
    for method, path, body in calls:
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code < 500, (path, body, response.data[:300])
        if response.status_code == 422:
            assert response.get_json().get("error"), (path, body)


def test_a_message_that_cannot_be_quarantined_as_parsed_is_kept_raw_under_its_hash(
    session, monkeypatch
):
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError("veneno")

    real_quarantine, calls = group_module.quarantine, []

    def quarantine_once_broken(session, row, reason):
        calls.append(row.message_id_header)
        if len(calls) == 1:
            raise ValueError("the parsed values cannot be stored")
        return real_quarantine(session, row, reason)

    monkeypatch.setattr(group_module, "receive", broken)  # the group fails: one by one
    monkeypatch.setattr(group_module, "ingest_raw", broken)
    monkeypatch.setattr(group_module, "quarantine", quarantine_once_broken)
    raw = raw_email(message_id="crudo@correo.mx")
    (result,) = ingest_group(
        session, [RawMail(raw, "file:crudo.eml")], settings=email_settings(), now=clock.now()
    )
    session.flush()

    assert result.action == "quarantined" and "ZeroDivisionError: veneno" in result.reason
    assert calls[0] == "crudo@correo.mx"
    digest = hashlib.sha256(raw).hexdigest()
    assert result.record.message_id_header == f"sha256-{digest}@aclara.invalid"
    assert result.record.raw == raw


def test_the_portal_code_mail_survives_a_stored_name_with_a_line_break(session, make):
    from flask import current_app

    from helpdesk.portal.mail import compose_code

    contact = make.contact(name="Ana\r\nBcc: x@y.z", email="ana@correo.mx")
    mail = compose_code(
        contact, "josé@correo.mx", "123456", config=current_app.config, now=clock.now()
    )
    head = mail.as_bytes(policy=mail.policy.clone(utf8=True)).split(b"\n\n")[0]
    assert b"\nBcc:" not in head and "josé@correo.mx".encode() in head
