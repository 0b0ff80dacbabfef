"""Processing golden payloads: every message type, batches, order, threading, contacts."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from helpdesk.channels.whatsapp.models import WhatsAppMedia, WhatsAppMessage, WhatsAppWebhook
from helpdesk.contacts.models import IdentityKind
from helpdesk.tickets.models import Message, Ticket
from tests.channels.whatsapp.conftest import (
    deliver,
    expected,
    fixture_bytes,
    from_debtor,
    payload,
    stored,
    text_message,
)

GOLDEN = expected()
T = 1795449600 - 600
PDF = b"%PDF-1.7\n" + "Estado de cuenta de Guadalupe Núñez".encode() * 50


def golden_body(name: str, graph) -> bytes:
    if "media" not in GOLDEN[name]:
        return fixture_bytes(name)
    media_id = graph.add_media(PDF, "application/pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    return fixture_bytes(name, MEDIA_ID=media_id, MEDIA_SHA256=digest)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_every_message_type_becomes_a_ticket_message(name, client, session, graph):
    deliver(client, golden_body(name, graph))

    want = GOLDEN[name]
    # The debtor's message, not the acknowledgement sent back (a row order is no order:
    # PostgreSQL returns an updated row after the ones written since).
    message = session.scalar(
        select(Message)
        .where(Message.channel == "whatsapp", Message.direction == "in")
        .order_by(Message.id)
    )
    assert message is not None, f"{name} was dropped"
    extra = session.get(WhatsAppMessage, message.id)
    assert extra.kind == want["kind"]
    if "text" in want:
        assert message.text == want["text"]
    for fragment in want.get("contains", []):
        assert fragment in message.text
    if "media" in want:
        media = session.scalar(select(WhatsAppMedia).where(WhatsAppMedia.message_id == message.id))
        assert media.status == "done", media.error
        (attachment,) = message.attachments
        assert attachment.size == len(PDF)
        assert attachment.filename == want.get("filename", attachment.filename)
    webhook = session.scalar(select(WhatsAppWebhook))
    assert webhook.action == "processed", webhook.reason


def test_unsupported_and_system_messages_are_kept_and_shown(client, session, signed_in):
    signed_in()
    deliver(client, fixture_bytes("unsupported.json"))
    deliver(client, fixture_bytes("system.json"))
    ticket = session.scalar(select(Ticket))
    assert len(from_debtor(ticket)) == 2
    unsupported = session.get(WhatsAppMessage, ticket.messages[0].id)
    assert unsupported.details["errors"][0]["code"] == 131051
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Tipo de mensaje que WhatsApp no admite" in page
    assert "Mensaje de sistema de WhatsApp" in page
    assert "131051" in page


def test_a_batch_is_processed_whole_and_in_timestamp_order(client, session):
    deliver(client, fixture_bytes("batch.json"))
    webhook = session.scalar(select(WhatsAppWebhook))
    assert webhook.counts == {"created": 2, "appended": 1}
    assert "account_update" in webhook.reason and webhook.action == "processed"
    mexico = session.scalar(select(Ticket).where(Ticket.subject == "Primer mensaje"))
    assert [m.text for m in from_debtor(mexico)] == ["Primer mensaje", "Segundo mensaje"]
    argentina = stored(session, "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYIDNBMDEB3").ticket
    assert argentina.contact.phone == "+5491123456789" and argentina is not mexico


def test_messages_arriving_late_are_ordered_by_their_own_time(client, session):
    deliver(client, payload([text_message("wamid.LATE2", "después", T + 60)]))
    deliver(client, payload([text_message("wamid.LATE1", "antes", T)]))
    ticket = session.scalar(select(Ticket))
    session.expire(ticket, ["messages"])
    assert [m.text for m in from_debtor(ticket)] == ["antes", "después"]


def test_context_threads_to_the_ticket_of_our_message(client, session, make):
    contact = make.contact(phone="+525512345678")
    other = make.ticket(contact, channel="whatsapp")
    ours = make.ticket(contact, channel="whatsapp", subject="El que respondemos")
    ours.messages[0].external_id = "wamid.OURS"
    other.last_activity_at = ours.last_activity_at.replace(year=2030)  # the newest open chat
    session.flush()
    reply = text_message("wamid.REPLY", "Sí, a ese me refiero", T, context={"id": "wamid.OURS"})
    deliver(client, payload([reply]))
    assert stored(session, "wamid.REPLY").ticket is ours


def test_without_context_a_message_joins_the_open_whatsapp_ticket(client, session):
    deliver(client, payload([text_message("wamid.A", "uno", T)]))
    deliver(client, payload([text_message("wamid.B", "dos", T + 5)]))
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize(
    ("stored_phone", "wa_id"),
    [
        ("+525512345678", "5215512345678"),  # Mexico: 521… in wa_id, +52… on file
        ("+541123456789", "5491123456789"),  # Argentina: 549… in wa_id, +54… on file
        ("+5491123456789", "5491123456789"),
    ],
)
def test_legacy_mobile_prefixes_find_the_same_debtor(stored_phone, wa_id, client, session, make):
    debtor = make.contact(name="", phone=stored_phone)
    deliver(
        client,
        payload(
            [text_message("wamid.P", "hola", T, frm=wa_id)],
            contacts=[{"profile": {"name": "Nombre de perfil"}, "wa_id": wa_id}],
        ),
    )
    message = stored(session, "wamid.P")
    assert message.author_contact is debtor
    assert debtor.name == "Nombre de perfil"  # the profile name fills an empty name
    assert [i.value for i in debtor.identities if i.kind == IdentityKind.PHONE] == [stored_phone]


def test_a_profile_name_does_not_replace_a_known_name(client, session, make):
    debtor = make.contact(name="Guadalupe Núñez Rivera", phone="+525512345678")
    deliver(client, fixture_bytes("text.json"))
    assert debtor.name == "Guadalupe Núñez Rivera"


def test_a_contact_may_have_only_a_business_scoped_user_id(client, session):
    deliver(client, fixture_bytes("user_id_only.json"))
    message = stored(session, "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYIDNBMDEBSUID")
    contact = message.author_contact
    assert contact.phone is None
    assert contact.identity(IdentityKind.WHATSAPP) == "MX.4f3a9c2b7d1e"
    assert contact.name == "Usuario Reservado"


def test_a_user_id_and_a_phone_end_up_on_one_contact(client, session):
    contacts = [{"profile": {"name": "Lupita"}, "wa_id": "5215512345678", "user_id": "MX.77"}]
    deliver(client, payload([text_message("wamid.U1", "hola", T)], contacts=contacts))
    contact = stored(session, "wamid.U1").author_contact
    assert contact.phone == "+525512345678" and contact.identity(IdentityKind.WHATSAPP) == "MX.77"
    later = {
        "from_user_id": "MX.77",
        "id": "wamid.U2",
        "timestamp": str(T + 9),
        "type": "text",
        "text": {"body": "sin número"},
    }
    deliver(
        client, payload([later], contacts=[{"profile": {"name": "Lupita"}, "user_id": "MX.77"}])
    )
    assert stored(session, "wamid.U2").author_contact is contact


def test_a_reaction_attaches_to_its_message_and_can_be_removed(client, session, signed_in):
    signed_in()
    deliver(client, fixture_bytes("text.json"))
    deliver(client, fixture_bytes("reaction.json"))
    ticket = session.scalar(select(Ticket))
    assert len(from_debtor(ticket)) == 1  # a reaction is not a message
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert '<span class="reaction">👍</span>' in page
    deliver(client, fixture_bytes("reaction_removed.json"))
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    # Gone from the message (the timeline's history still says it was given).
    assert '<span class="reaction">👍</span>' not in page
    deliver(client, fixture_bytes("reaction.json"))  # the older reaction, replayed late
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    # Gone from the message (the timeline's history still says it was given).
    assert '<span class="reaction">👍</span>' not in page


def test_one_bad_message_does_not_block_the_others(client, session):
    bad = {"id": "wamid.BAD", "timestamp": str(T), "type": "text", "text": {"body": "?"}}
    deliver(client, payload([bad, text_message("wamid.GOOD", "bien", T + 1)]))
    webhook = session.scalar(select(WhatsAppWebhook))
    assert webhook.action == "partial" and "wamid.BAD" in webhook.reason
    assert stored(session, "wamid.GOOD") is not None


def test_a_new_case_gets_an_acknowledgement_with_its_folio_and_a_follow_up_none(
    client, session, graph
):
    deliver(client, fixture_bytes("text.json"))
    ticket = session.scalar(select(Ticket))
    (ack,) = [m for m in ticket.messages if m.is_automatic]
    assert ack.channel == "whatsapp" and ack.direction == "out"
    assert ack.delivery_status == "sent"
    sent, acuse = graph.sent()  # the text, then the acuse de recibo as a document
    assert sent["to"] == "+525512345678" and sent["type"] == "text"
    assert sent["text"]["body"].startswith("Hola, Guadalupe Núñez: recibimos su mensaje")
    assert ticket.folio in sent["text"]["body"]
    assert acuse["type"] == "document"
    assert acuse["document"]["filename"] == f"acuse-{ticket.folio}.pdf"

    later = payload(messages=[text_message("wamid.LATER", "Otra cosa", 1795449700)])
    deliver(client, later)
    assert len(graph.sent()) == 2  # appended to the open case: no second acknowledgement
