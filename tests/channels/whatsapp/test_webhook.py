"""The webhook endpoint: handshake, signature first, size, JSON, store raw and answer."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from helpdesk.channels.whatsapp.models import WhatsAppWebhook
from helpdesk.channels.whatsapp.signature import is_valid, sign
from helpdesk.tickets.models import Message, Ticket
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    fixture_bytes,
    post,
    stored,
)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_verification_handshake_echoes_the_challenge(client):
    response = client.get(
        "/webhooks/whatsapp",
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1158201444"
    assert response.mimetype == "text/plain"


def test_a_wrong_verify_token_is_refused(client):
    for token in ("otra-cosa", ""):
        response = client.get(
            "/webhooks/whatsapp",
            query_string={"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1"},
        )
        assert response.status_code == 403


def test_a_forged_signature_is_refused_and_nothing_is_stored(client, session):
    body = fixture_bytes("text.json")
    assert post(client, body, secret="not-the-app-secret").status_code == 403
    assert post(client, body, signature="").status_code == 403
    assert post(client, body, signature="sha256=" + "0" * 64).status_code == 403
    tampered = body.replace(b"cargo", b"CARGO")
    assert post(client, tampered, signature=sign(body, APP_SECRET.encode())).status_code == 403
    assert count(session, WhatsAppWebhook) == 0
    assert count(session, Message) == 0


def test_an_escaped_unicode_body_verifies_over_its_exact_bytes(client, session):
    body = fixture_bytes("unicode_escaped.json")
    assert b"\\u00f1" in body  # Meta's escaping, kept as is
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert not is_valid(reserialised, sign(body, APP_SECRET.encode()), [APP_SECRET.encode()])

    assert post(client, body).status_code == 200
    row = session.scalar(select(WhatsAppWebhook))
    assert row.body == body and row.action == "processed"
    message = stored(session, "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYIDNBMDEESCAPED")
    assert message.text == "Señor, mañana pago la cuota de la tarjeta ñandú"
    assert message.author_contact.name == "José Peña"


def test_a_body_over_3_mb_is_413(client, session):
    body = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    assert post(client, body).status_code == 413
    assert count(session, WhatsAppWebhook) == 0


def test_a_signed_body_that_is_not_json_is_400(client, session):
    assert post(client, b"<xml>hola</xml>").status_code == 400
    assert count(session, WhatsAppWebhook) == 0


def test_a_valid_post_stores_the_raw_payload_and_answers_200(client, session):
    body = fixture_bytes("text.json")
    response = post(client, body)
    assert response.status_code == 200
    row = session.scalar(select(WhatsAppWebhook))
    assert row.body == body and row.size == len(body)
    assert row.action == "processed" and row.counts == {"created": 1}
    ticket = session.scalar(select(Ticket))
    assert ticket.channel == "whatsapp"
    assert ticket.contact.phone == "+525512345678"  # the legacy 521 form, normalised
    assert ticket.contact.name == "Guadalupe Núñez"


def test_a_replayed_payload_stores_no_duplicate_messages(client, session):
    body = fixture_bytes("text.json")
    for _ in range(3):
        assert post(client, body).status_code == 200
    assert count(session, WhatsAppWebhook) == 3
    assert count(session, Message) == 2  # the debtor's, and one acknowledgement
    assert count(session, Ticket) == 1
    last = session.scalars(select(WhatsAppWebhook).order_by(WhatsAppWebhook.id)).all()[-1]
    assert last.counts == {"duplicate": 1}


def test_a_payload_for_an_unknown_number_is_kept_with_its_reason(client, session):
    assert post(client, fixture_bytes("unknown_number.json")).status_code == 200
    row = session.scalar(select(WhatsAppWebhook))
    assert row.action == "unknown_number"
    assert "unknown phone_number_id 555000111222" in row.reason
    assert count(session, Ticket) == 0


def test_the_webhook_needs_no_sign_in_and_no_csrf(app, client, csrf_enabled):
    assert post(client, fixture_bytes("text.json")).status_code == 200
