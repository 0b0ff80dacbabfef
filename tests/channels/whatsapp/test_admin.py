"""Admin pages and CLI of the WhatsApp channel."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.channels.whatsapp import numbers
from helpdesk.channels.whatsapp.models import WhatsAppNumber, WhatsAppTemplate, WhatsAppWebhook
from helpdesk.cli import cli as helpdesk_cli
from tests.channels.whatsapp.conftest import fixture_bytes, post
from tests.factories import whatsapp_settings

NEW_NUMBER = {
    "name": "cobranza-co",
    "phone_number_id": "222333444555",
    "display_number": "+57 601 555 0000",
    "api_version": "v21.0",
    "queue": "",
    "access_token": "EAAG-secreto-colombia",
    "app_secret": "secreto-de-la-app-co",
    "verify_token": "verifica-co",
}


def test_admin_adds_a_number_with_encrypted_secrets(client, session, signed_in):
    signed_in("admin")
    assert client.post("/admin/whatsapp", data=NEW_NUMBER).status_code == 302
    number = session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.name == "cobranza-co"))
    for secret in ("EAAG-secreto-colombia", "secreto-de-la-app-co", "verifica-co"):
        assert secret not in (number.access_token_encrypted or "") + (
            number.app_secret_encrypted or ""
        )
    assert numbers.credentials(number, whatsapp_settings()).app_secret == "secreto-de-la-app-co"
    page = client.get("/admin/whatsapp").get_data(as_text=True)
    assert "+57 601 555 0000" in page and "EAAG-secreto-colombia" not in page
    assert "/webhooks/whatsapp" in page and "del entorno" in page  # the environment's number


def test_a_payload_signed_with_a_numbers_own_secret_is_accepted(client, session, signed_in):
    signed_in("admin")
    client.post("/admin/whatsapp", data=NEW_NUMBER)
    body = fixture_bytes("text.json").replace(b"109876543210", b"222333444555")
    assert post(client, body, secret="secreto-de-la-app-co").status_code == 200
    handshake = client.get(
        "/webhooks/whatsapp",
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": "verifica-co",
            "hub.challenge": "7",
        },
    )
    assert handshake.get_data(as_text=True) == "7"


def test_a_duplicate_phone_number_id_is_refused_on_the_form(client, session, signed_in):
    signed_in("admin")
    client.post("/admin/whatsapp", data=NEW_NUMBER)
    response = client.post("/admin/whatsapp", data={**NEW_NUMBER, "name": "otro"})
    assert response.status_code == 200
    assert "Este phone number id ya está configurado" in response.get_data(as_text=True)


def test_admin_adds_and_removes_a_template(client, session, signed_in):
    signed_in("admin")
    number = numbers.environment_number(session, whatsapp_settings())
    response = client.post(
        f"/admin/whatsapp/{number.id}",
        data={
            "name": "seguimiento",
            "language": "es_MX",
            "parameters": "contact_name, folio",
            "body": "Hola {{1}}, su folio es {{2}}.",
        },
    )
    assert response.status_code == 302
    template = session.scalar(select(WhatsAppTemplate))
    assert template.parameters == ["contact_name", "folio"]
    bad = client.post(
        f"/admin/whatsapp/{number.id}",
        data={"name": "x", "language": "es_MX", "parameters": "saldo"},
    )
    assert "Parámetros desconocidos: saldo" in bad.get_data(as_text=True)
    client.post(f"/admin/whatsapp/templates/{template.id}/remove")
    assert template.is_active is False


def test_the_payload_list_shows_reasons_and_reprocesses(client, session, signed_in):
    signed_in("admin")
    post(client, fixture_bytes("unknown_number.json"))
    page = client.get("/admin/whatsapp/webhooks?problems=1").get_data(as_text=True)
    assert "unknown phone_number_id 555000111222" in page
    row = session.scalar(select(WhatsAppWebhook))
    raw = client.get(f"/admin/whatsapp/webhooks/{row.id}/raw")
    assert raw.data == fixture_bytes("unknown_number.json")
    assert client.post(f"/admin/whatsapp/webhooks/{row.id}/reprocess").status_code == 302


def test_agents_cannot_manage_whatsapp(client, signed_in):
    signed_in("supervisor")
    assert client.get("/admin/whatsapp").status_code == 403
    assert client.get("/admin/whatsapp/webhooks").status_code == 403


def test_the_cli_adds_a_number_and_a_template(app, session):
    runner = app.test_cli_runner()

    def invoke(args, **kwargs):
        return runner.invoke(cli=helpdesk_cli, args=args, **kwargs)

    result = invoke(
        ["whatsapp", "number-add", "cli-num", "--phone-number-id", "333444555666"],
        input="token-cli\nsecret-cli\nverify-cli\n",
    )
    assert result.exit_code == 0, result.output
    result = invoke(
        [
            "whatsapp",
            "template-add",
            "cli-num",
            "recordatorio",
            "--language",
            "es_MX",
            "--parameters",
            "contact_name,balance",
        ],
    )
    assert result.exit_code == 0, result.output
    listed = invoke(["whatsapp", "number-list"])
    assert "333444555666" in listed.output and "token-cli" not in listed.output
    bad = invoke(["whatsapp", "template-add", "nadie", "x", "--language", "es"])
    assert bad.exit_code == 1 and "no WhatsApp number named nadie" in bad.output
