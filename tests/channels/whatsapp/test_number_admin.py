"""Managing a WhatsApp number from its admin page: edit, rotate secrets, test connection."""

from __future__ import annotations

import json

from sqlalchemy import select

from helpdesk.audit.models import AuditEvent
from helpdesk.channels.whatsapp import numbers
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from helpdesk.secrets import seal
from tests.channels.whatsapp import graph as graph_server
from tests.channels.whatsapp.conftest import fixture_bytes, post
from tests.channels.whatsapp.test_admin import NEW_NUMBER
from tests.factories import whatsapp_settings


def _added(client, session) -> WhatsAppNumber:
    assert client.post("/admin/whatsapp", data=NEW_NUMBER).status_code == 302
    return session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.name == "cobranza-co"))


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_edit_saves_and_is_audited(client, session, signed_in, make):
    signed_in("admin")
    number = _added(client, session)
    queue = make.queue("Cobranza Colombia")
    response = client.post(
        f"/admin/whatsapp/{number.id}/edit",
        data={
            "display_number": "+57 601 555 1111",
            "api_version": "v22.0",
            "queue": str(queue.id),
            "verify_token": "verifica-nuevo",
        },
    )
    assert response.status_code == 302
    assert (number.display_number, number.api_version, number.queue) == (
        "+57 601 555 1111",
        "v22.0",
        queue,
    )
    assert numbers.credentials(number, whatsapp_settings()).verify_token == "verifica-nuevo"
    [event] = _events(session, "whatsapp.number_updated")
    assert event.before["api_version"] == "v21.0" and event.after["api_version"] == "v22.0"
    assert event.after["verify_token_changed"] is True
    assert "verifica-nuevo" not in json.dumps([event.before, event.after])
    bad = client.post(f"/admin/whatsapp/{number.id}/edit", data={"api_version": "22", "queue": ""})
    assert bad.status_code == 400 and "v21.0" in bad.get_data(as_text=True)
    page = client.get(f"/admin/whatsapp/{number.id}").get_data(as_text=True)
    assert "+57 601 555 1111" in page and "verifica-nuevo" not in page


def test_rotating_the_app_secret_takes_effect_at_once(client, session, signed_in):
    signed_in("admin")
    number = _added(client, session)
    body = fixture_bytes("text.json").replace(b"109876543210", b"222333444555")
    assert post(client, body, secret="secreto-de-la-app-co").status_code == 200  # cached
    response = client.post(
        f"/admin/whatsapp/{number.id}/secrets",
        data={"access_token": "", "app_secret": "secreto-rotado"},
    )
    assert response.status_code == 302
    assert numbers.credentials(number, whatsapp_settings()).token == "EAAG-secreto-colombia"  # kept
    assert numbers.credentials(number, whatsapp_settings()).app_secret == "secreto-rotado"
    assert "secreto-rotado" not in (number.app_secret_encrypted or "")
    assert post(client, body, secret="secreto-de-la-app-co").status_code == 403
    assert post(client, body, secret="secreto-rotado").status_code == 200
    [event] = _events(session, "whatsapp.secrets_rotated")
    assert event.after == {"secrets": ["app_secret"]}
    empty = client.post(f"/admin/whatsapp/{number.id}/secrets", data={})
    assert empty.status_code == 400


def test_another_process_cache_sees_the_rotation(client, session, signed_in):
    signed_in("admin")
    number = _added(client, session)
    assert b"secreto-de-la-app-co" in numbers.app_secrets(session, whatsapp_settings())
    number.app_secret_encrypted = seal(  # as another process would
        "otro", secret_key=whatsapp_settings().secret_key
    )
    session.flush()
    found = numbers.app_secrets(session, whatsapp_settings())
    assert b"otro" in found and b"secreto-de-la-app-co" not in found


def test_test_connection_shows_the_number_or_the_error(client, session, signed_in, graph):
    signed_in("admin")
    number = numbers.environment_number(session, whatsapp_settings())
    session.commit()
    page = client.post(f"/admin/whatsapp/{number.id}/test", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Aclara Cobranza +52 55 5000 0000" in text
    request = graph.requests[-1]
    assert request.method == "GET" and request.path == f"/v21.0/{number.phone_number_id}"
    assert request.headers["Authorization"] == f"Bearer {graph_server.TOKEN}"

    other = _added(client, session)  # its token is not the one the stand-in knows
    page = client.post(f"/admin/whatsapp/{other.id}/test", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "190" in text and "Invalid OAuth access token" in text
    assert "EAAG-secreto-colombia" not in text


def test_non_admins_cannot_manage_a_number(client, session, signed_in):
    number = numbers.environment_number(session, whatsapp_settings())
    session.commit()
    signed_in("supervisor")
    for path in ("edit", "secrets", "test"):
        assert client.post(f"/admin/whatsapp/{number.id}/{path}").status_code == 403
    assert client.get(f"/admin/whatsapp/{number.id}").status_code == 403


def test_the_forms_need_a_csrf_token(app, client, session, signed_in, monkeypatch):
    signed_in("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    number = numbers.environment_number(session, whatsapp_settings())
    session.commit()
    response = client.post(
        f"/admin/whatsapp/{number.id}/edit", data={"api_version": "v22.0", "queue": ""}
    )
    assert response.status_code == 400 and number.api_version != "v22.0"
    assert client.post(f"/admin/whatsapp/{number.id}/test").status_code == 400
