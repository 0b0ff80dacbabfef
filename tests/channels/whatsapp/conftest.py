"""WhatsApp test setup: the default number from configuration, the Graph stand-in on
loopback, golden payloads and a signed POST helper."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.channels.whatsapp.signature import sign
from helpdesk.channels.whatsapp.webhook import process_webhook_job
from helpdesk.tickets.models import Message
from tests.channels.whatsapp import graph as graph_server

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
PHONE_NUMBER_ID = "109876543210"
APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verificacion-aclara"


@pytest.fixture(autouse=True)
def whatsapp_config(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
    monkeypatch.setitem(app.config, "WHATSAPP_TOKEN", graph_server.TOKEN)
    monkeypatch.setitem(app.config, "WHATSAPP_APP_SECRET", APP_SECRET)
    monkeypatch.setitem(app.config, "WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", "http://127.0.0.1:9")


@pytest.fixture
def graph(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[graph_server.Graph]:
    state, server = graph_server.start()
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", state.base_url)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def fixture_bytes(name: str, **replace: str) -> bytes:
    """A golden payload exactly as stored; ``replace`` swaps placeholders in the bytes."""
    raw = (FIXTURES / name).read_bytes()
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def expected() -> dict[str, dict[str, Any]]:
    return json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def post(client: Any, body: bytes, *, secret: str = APP_SECRET, signature: str | None = None):
    header = signature if signature is not None else sign(body, secret.encode())
    return client.post(
        "/webhooks/whatsapp",
        data=body,
        headers={"X-Hub-Signature-256": header, "Content-Type": "application/json"},
    )


def deliver(client: Any, body: bytes) -> None:
    """POST a signed payload; inline jobs process it before the response returns."""
    response = post(client, body)
    assert response.status_code == 200, response.data[:300]


def payload(messages=None, statuses=None, contacts=None, pnid: str = PHONE_NUMBER_ID) -> bytes:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "525550000000", "phone_number_id": pnid},
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses)):
        if items is not None:
            value[key] = items
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(body).encode()


def text_message(wamid: str, body: str, ts: int, frm: str = "5215512345678", **extra: Any):
    return {
        "from": frm,
        "id": wamid,
        "timestamp": str(ts),
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def from_debtor(ticket: Any) -> list[Message]:
    """The ticket's messages without the automatic acknowledgement."""
    return [m for m in ticket.messages if not m.is_automatic]


def stored(session: Any, wamid: str) -> Message | None:
    return session.scalar(select(Message).where(Message.external_id == wamid))


__all__ = ["process_webhook_job"]
