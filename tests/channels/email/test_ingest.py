"""Email through the one door: threading, automatic mail, bounces, quarantine, acks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.channels.email.ingest import ingest_raw, retry_quarantined
from helpdesk.channels.email.models import InboundEmail, raw_bytes
from helpdesk.contacts.models import ContactIdentity
from helpdesk.tickets import services as tickets
from helpdesk.tickets.message_ids import make_message_id
from helpdesk.tickets.models import Message, Ticket
from tests.channels.email.mail import raw_email
from tests.conftest import SECRET
from tests.factories import email_settings


def ingest(session, raw: bytes, **kwargs):
    return ingest_raw(
        session, raw, source="test", settings=email_settings(), now=clock.now(), **kwargs
    )


def ticket_count(session) -> int:
    return session.scalar(select(func.count(Ticket.id)))


def test_new_mail_opens_a_ticket_with_an_acknowledgement(session):
    result = ingest(session, raw_email(message_id="a1@correo.mx"))
    assert result.action == "created" and result.folio.startswith("ACL-2026-")
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    assert ticket.channel == "email" and ticket.contact.name == "Guadalupe Núñez"
    assert ticket.contact.email == "guadalupe.nunez@correo.mx"
    inbound, ack = ticket.messages
    assert "No reconozco el cargo" in inbound.text
    assert ack.is_automatic and ack.delivery_status == "queued"
    assert result.folio in ack.text and "Recibimos su mensaje" in ack.text
    assert result.record.action == "created" and result.record.ticket_id == ticket.id


def test_the_same_message_twice_is_a_duplicate(session):
    raw = raw_email(message_id="dup@correo.mx")
    first, second = ingest(session, raw), ingest(session, raw)
    assert (first.action, second.action) == ("created", "duplicate")
    assert second.folio == first.folio and ticket_count(session) == 1


def test_a_reply_joins_its_ticket_by_in_reply_to(session):
    first = ingest(session, raw_email(message_id="root@correo.mx"))
    reply = ingest(
        session,
        raw_email(
            message_id="reply@correo.mx",
            in_reply_to="root@correo.mx",
            references=["root@correo.mx"],
            subject="Re: Aclaración de cargo no reconocido",
            body="Adjunto mi estado de cuenta.",
        ),
    )
    assert reply.action == "appended" and reply.folio == first.folio


def test_a_reply_that_arrives_before_its_parent_does_not_split_the_thread(session):
    reply = ingest(
        session,
        raw_email(
            message_id="child@correo.mx",
            in_reply_to="parent@correo.mx",
            references=["parent@correo.mx"],
            subject="Re: Saldo",
        ),
    )
    parent = ingest(session, raw_email(message_id="parent@correo.mx", subject="Saldo"))
    assert reply.action == "created"
    assert parent.action == "appended" and parent.folio == reply.folio
    assert ticket_count(session) == 1


def test_the_folio_in_the_subject_threads_only_for_known_senders(session):
    first = ingest(session, raw_email(message_id="f1@correo.mx"))
    same_sender = ingest(
        session, raw_email(message_id="f2@correo.mx", subject=f"Sigo esperando [{first.folio}]")
    )
    stranger = ingest(
        session,
        raw_email(
            message_id="f3@otro.mx",
            sender=("Intruso", "intruso@otro.mx"),
            subject=f"Cancelen todo [{first.folio}]",
        ),
    )
    assert same_sender.action == "appended" and same_sender.folio == first.folio
    assert stranger.action == "created" and stranger.folio != first.folio


def test_a_cc_participant_may_use_the_folio(session):
    first = ingest(session, raw_email(message_id="p1@correo.mx", cc=["abogada@despacho.mx"]))
    lawyer = ingest(
        session,
        raw_email(
            message_id="p2@despacho.mx",
            sender=("Lic. Torres", "abogada@despacho.mx"),
            subject=f"Representación legal [{first.folio}]",
        ),
    )
    assert lawyer.action == "appended" and lawyer.folio == first.folio


def test_our_signed_message_ids_thread_and_forged_ones_do_not(session, make):
    ticket = make.ticket()
    ours = make_message_id(ticket.id, domain="banco-demo.mx", secret=SECRET)
    forged = ours[:-30] + "0" * 20 + "@banco-demo.mx"
    good = ingest(session, raw_email(message_id="s1@correo.mx", in_reply_to=ours))
    bad = ingest(session, raw_email(message_id="s2@correo.mx", in_reply_to=forged))
    assert good.folio == ticket.folio
    assert bad.action == "created" and bad.folio != ticket.folio


def test_a_reply_to_a_merged_ticket_goes_to_the_survivor(session, make):
    first = ingest(session, raw_email(message_id="m1@correo.mx"))
    survivor = make.ticket()
    merged = session.scalar(select(Ticket).where(Ticket.folio == first.folio))
    merged.merged_into_id, merged.status = survivor.id, "merged"
    reply = ingest(session, raw_email(message_id="m2@correo.mx", in_reply_to="m1@correo.mx"))
    assert reply.folio == survivor.folio


@pytest.mark.parametrize(("policy", "same_ticket"), [("reopen", True), ("new_linked", False)])
def test_a_reply_to_a_closed_ticket_follows_the_queue_policy(session, make, policy, same_ticket):
    queue = make.queue()
    queue.closed_reply_policy = policy
    first = ingest(session, raw_email(message_id=f"c1-{policy}@correo.mx"))
    ticket = session.scalar(select(Ticket).where(Ticket.folio == first.folio))
    ticket.queue = queue
    tickets.set_status(session, ticket, "closed", actor=Actor.system(), now=clock.now())
    reply = ingest(
        session,
        raw_email(message_id=f"c2-{policy}@correo.mx", in_reply_to=f"c1-{policy}@correo.mx"),
    )
    if same_ticket:
        assert reply.action == "appended" and reply.folio == first.folio
        assert ticket.status == "open"
    else:
        new = session.scalar(select(Ticket).where(Ticket.folio == reply.folio))
        assert reply.action == "created" and new.related_ticket_id == ticket.id
        assert new.queue is queue and ticket.status == "closed"


VACATION = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}


def test_an_out_of_office_reply_never_opens_a_ticket(session):
    result = ingest(
        session,
        raw_email(
            message_id="ooo@correo.mx",
            headers=VACATION,
            subject="Respuesta automática: fuera de la oficina",
        ),
    )
    assert result.action == "auto_reply" and result.folio is None
    assert ticket_count(session) == 0
    assert result.record.action == "auto_reply"  # kept, with its raw bytes


def test_an_auto_reply_is_kept_on_its_ticket_without_reopening_it(session):
    first = ingest(session, raw_email(message_id="t1@correo.mx"))
    ticket = session.scalar(select(Ticket).where(Ticket.folio == first.folio))
    tickets.set_status(session, ticket, "pending", actor=Actor.system(), now=clock.now())
    result = ingest(
        session,
        raw_email(
            message_id="t2@correo.mx",
            in_reply_to="t1@correo.mx",
            headers=VACATION,
            subject="Fuera de la oficina",
        ),
    )
    assert result.action == "auto_reply" and result.folio == first.folio
    assert ticket.status == "pending"
    assert ticket.messages[-1].is_automatic
    assert not any(
        m.is_automatic and m.direction == "out" for m in ticket.messages[2:]
    )  # no acknowledgement of an auto-reply


def test_a_bounce_marks_our_message_failed_and_flags_the_address(session, make):
    agent = make.user()
    first = ingest(session, raw_email(message_id="b1@correo.mx"))
    ticket = session.scalar(select(Ticket).where(Ticket.folio == first.folio))
    sent = tickets.reply(
        session, ticket, author=agent, text="Le enviamos el desglose.", now=clock.now()
    )
    sent.external_id, sent.delivery_status = "aclara.out.1@banco-demo.mx", "sent"
    bounce = raw_email(
        message_id="bounce1@mx.correo.mx",
        sender=("Mail Delivery System", "MAILER-DAEMON@mx.correo.mx"),
        subject="Undelivered Mail Returned to Sender",
        body=(
            "This is the mail system at host mx.correo.mx.\n\n"
            "<guadalupe.nunez@correo.mx>: host said: 550 5.1.1 User unknown\n\n"
            "Message-ID: <aclara.out.1@banco-demo.mx>\n"
        ),
    )
    result = ingest(session, bounce)
    assert result.action == "bounce" and result.folio == first.folio
    assert sent.delivery_status == "failed" and "5.1.1" in sent.delivery_error
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.value == "guadalupe.nunez@correo.mx")
    )
    assert identity.bounced_at == clock.now()


def test_garbage_is_quarantined_with_its_reason_and_can_be_retried(session):
    garbage = b"\x00\x01\x02 not an email at all \xff\xfe"
    result = ingest(session, garbage)
    assert result.action == "quarantined" and "unparseable" in result.reason
    row = session.scalar(select(InboundEmail).where(InboundEmail.action == "quarantined"))
    assert row.size == len(garbage)
    session.expire_all()
    assert raw_bytes(row, email_settings().intake.attachments) == garbage  # kept in the row
    again = retry_quarantined(session, row, settings=email_settings(), now=clock.now())
    assert again.action == "quarantined" and row.retried_at == clock.now()


def test_a_row_from_before_raw_was_kept_in_the_row_reads_the_file_store(session):
    message = raw_email(message_id="antiguo@correo.mx", subject="Aclaración antigua")
    ingest(session, b"\x00 not mail")
    row = session.scalar(select(InboundEmail).where(InboundEmail.action == "quarantined"))
    store = email_settings().intake.attachments
    row.raw, row.sha256 = None, storage.save(message, store)  # as rows were stored until 0011
    result = retry_quarantined(session, row, settings=email_settings(), now=clock.now())
    assert result.action == "created" and row.ticket.subject == "Aclaración antigua"


def test_a_processing_failure_quarantines_and_the_next_message_still_goes_in(session, monkeypatch):
    from helpdesk.channels.email import ingest as ingest_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("routing exploded")

    monkeypatch.setattr(ingest_module, "receive", broken)
    failed = ingest(session, raw_email(message_id="x1@correo.mx"))
    monkeypatch.undo()
    ok = ingest(session, raw_email(message_id="x2@correo.mx"))
    assert failed.action == "quarantined" and "routing exploded" in failed.reason
    assert ok.action == "created"


def test_acknowledgements_are_capped_per_sender(session, app, monkeypatch):
    monkeypatch.setitem(app.config, "ACK_LIMIT", (2, 3 * 3600))
    for n in range(4):
        ingest(session, raw_email(message_id=f"cap{n}@correo.mx", subject=f"Asunto {n}"))
    acks = session.scalar(select(func.count(Message.id)).where(Message.is_automatic))
    assert acks == 2


def test_cc_people_become_participants(session):
    result = ingest(
        session,
        raw_email(
            message_id="cc@correo.mx",
            cc=["hermana@correo.mx", "aclaraciones@banco-demo.mx"],
            to="aclaraciones@banco-demo.mx",
        ),
        our_domains=("banco-demo.mx",),
    )
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    assert [p.email for p in ticket.participants] == ["hermana@correo.mx"]


def test_very_long_message_ids_do_not_collide_and_still_thread(session):
    long_a = "a" * 300 + "@correo.mx"
    long_b = "a" * 300 + "b@correo.mx"
    first = ingest(session, raw_email(message_id=long_a))
    second = ingest(session, raw_email(message_id=long_b, subject="Otro asunto"))
    reply_raw = (
        "From: guadalupe.nunez@correo.mx\r\nTo: aclaraciones@banco-demo.mx\r\n"
        f"Subject: Re: Otro asunto\r\nMessage-ID: <r@correo.mx>\r\nIn-Reply-To: <{long_b}>\r\n"
        "\r\nGracias.\r\n"
    ).encode()
    reply = ingest(session, reply_raw)
    assert first.folio != second.folio
    assert reply.action == "appended" and reply.folio == second.folio
