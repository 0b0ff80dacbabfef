"""The sign-in code by WhatsApp: the debtor chooses among masked destinations on file (by
position, never by value); the code goes as the approved authentication template to the
Graph stand-in; sending is limited per destination and per IP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.whatsapp import graph as graph_server
from tests.portal.conftest import code_mails_to

PHONE = "+525512345678"
TEMPLATE = "codigo_acceso"
MASKED = "+52\u00a055\u00a0****\u00a05678"  # no-break spaces: never split on a phone


@pytest.fixture
def graph(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[graph_server.Graph]:
    state, server = graph_server.start()
    monkeypatch.setitem(app.config, "WHATSAPP_PHONE_NUMBER_ID", "109876543210")
    monkeypatch.setitem(app.config, "WHATSAPP_TOKEN", graph_server.TOKEN)
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", state.base_url)
    monkeypatch.setitem(app.config, "PORTAL_WHATSAPP_CODE_TEMPLATE", TEMPLATE)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def code_in(payload: dict[str, Any]) -> str:
    body, button = payload["template"]["components"]
    assert body["type"] == "body" and button["type"] == "button"
    assert (button["sub_type"], button["index"]) == ("url", "0")
    code = body["parameters"][0]["text"]
    assert button["parameters"] == [{"type": "text", "text": code}]
    return code


def test_the_debtor_chooses_a_masked_destination_and_gets_the_code_by_whatsapp(
    app, client, make, graph
):
    contact = make.contact(phone=PHONE)
    response = client.post("/portal/login", data={"email": contact.email})
    assert response.headers["Location"] == "/portal/choose"
    page = client.get("/portal/choose").get_data(as_text=True)
    assert "d***@correo.mx" in page and MASKED in page
    assert PHONE not in page and "5512345678" not in page
    values = re.findall(r'name="destination"[^>]*value="([^"]*)"', page)
    assert values == ["0", "1"]

    response = client.post("/portal/choose", data={"destination": "1"})
    assert response.headers["Location"] == "/portal/verify"
    (payload,) = graph.sent()
    assert payload["to"] == PHONE
    assert payload["template"]["name"] == TEMPLATE
    assert payload["template"]["language"] == {"code": "es_MX"}
    code = code_in(payload)
    assert code_mails_to(app, contact.email) == []
    page = client.get("/portal/verify").get_data(as_text=True)
    assert MASKED in page and PHONE not in page
    assert client.post("/portal/verify", data={"code": code}).headers["Location"] == "/portal/"
    assert contact.name in client.get("/portal/").get_data(as_text=True)


def test_choosing_the_email_sends_it_there(app, client, make, graph):
    contact = make.contact(phone=PHONE)
    client.post("/portal/login", data={"email": contact.email})
    assert client.post("/portal/choose", data={"destination": "0"}).status_code == 302
    assert graph.sent() == [] and len(code_mails_to(app, contact.email)) == 1


def test_a_destination_is_chosen_by_position_only(app, client, make, graph):
    contact = make.contact(phone=PHONE)
    client.post("/portal/login", data={"email": contact.email})
    for bad in ("7", PHONE, "otra@correo.mx", "-1"):
        response = client.post("/portal/choose", data={"destination": bad})
        assert response.status_code == 200
    assert graph.sent() == [] and code_mails_to(app, "otra@correo.mx") == []


def test_a_phone_typed_any_way_finds_the_debtor(app, client, make, graph):
    contact = make.contact(phone=PHONE)
    response = client.post("/portal/login", data={"email": "55 1234-5678"})
    assert response.headers["Location"] == "/portal/choose"
    assert MASKED in client.get("/portal/choose").get_data(as_text=True)
    assert code_mails_to(app, contact.email) == []


def test_an_unknown_phone_gets_the_neutral_answer(app, client, make, graph):
    response = client.post("/portal/login", data={"email": "+52 55 9999 0000"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Si ese número está registrado" in page and graph.sent() == []


def test_without_the_template_codes_go_by_email_only(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_WHATSAPP_CODE_TEMPLATE", None)
    contact = make.contact(phone=PHONE)
    response = client.post("/portal/login", data={"email": contact.email})
    assert response.headers["Location"] == "/portal/verify"
    assert len(code_mails_to(app, contact.email)) == 1


def test_codes_to_one_destination_are_limited_whatever_the_ip(app, client, make, graph,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CODE_RATE_LIMIT", "2 per 15 minutes")
    contact = make.contact(phone=PHONE)
    client.post("/portal/login", data={"email": contact.email})
    statuses = [
        client.post("/portal/choose", data={"destination": "1"},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429] and len(graph.sent()) == 2


def test_codes_from_one_ip_are_limited_whatever_the_destination(app, client, make, graph,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CODE_IP_RATE_LIMIT", "3 per 15 minutes")
    contacts = [make.contact(phone=f"+5255123400{n:02d}") for n in range(2)]
    client.post("/portal/login", data={"email": contacts[0].email})  # 1
    client.post("/portal/choose", data={"destination": "1"})  # 2
    client.post("/portal/login", data={"email": contacts[1].email})  # 3
    assert client.post("/portal/choose", data={"destination": "1"}).status_code == 429
    assert len(graph.sent()) == 1


def test_the_choice_needs_the_csrf_token(app, client, make, graph, monkeypatch):
    contact = make.contact(phone=PHONE)
    client.post("/portal/login", data={"email": contact.email})
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/portal/choose", data={"destination": "1"}).status_code == 400
    assert graph.sent() == []


def test_a_known_phone_with_one_channel_answers_as_an_unknown_one(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_WHATSAPP_CODE_TEMPLATE", None)
    contact = make.contact(phone=PHONE)  # its one channel: the email
    pages = []
    for typed in ("55 1234 5678", "55 9999 0000"):
        client = app.test_client()
        response = client.post("/portal/login", data={"email": typed}, follow_redirects=True)
        pages.append(re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True)))
    assert pages[0] == pages[1] and "correo.mx" not in pages[0]
    assert len(code_mails_to(app, contact.email)) == 1
