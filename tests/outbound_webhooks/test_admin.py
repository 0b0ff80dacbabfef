"""The admin pages: endpoints, the secret shown once, the delivery log and Replay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.jobs import run_ready_jobs
from helpdesk.outbound_webhooks import delivery
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEndpoint

NEW = {
    "name": "Sistema de cobranza",
    "url": "",
    "event_types": ["ticket.opened", "account.hold_started"],
}


def add(client, receiver, **changes):
    data = {**NEW, "url": receiver.url, **changes}
    return client.post("/admin/outbound-webhooks", data=data)


def shown_secret(response) -> str:
    return re.search(r"whsec_[A-Za-z0-9_-]+", response.get_data(as_text=True)).group(0)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(client, session, signed_in, receiver):
    signed_in("admin")
    response = add(client, receiver)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = shown_secret(response)
    endpoint = session.scalar(select(WebhookEndpoint))
    assert endpoint.event_types == ["account.hold_started", "ticket.opened"]
    page = client.get(f"/admin/outbound-webhooks/{endpoint.id}").get_data(as_text=True)
    assert secret not in page and endpoint.secret_encrypted not in page
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action.like("webhook.%")))
    assert (
        secret not in str(audit.after)
        and audit.after["url"] == receiver.url.rsplit("/aclara", 1)[0]
    )


@pytest.mark.parametrize(
    "url", ["ftp://cobranza.example.mx/hooks", "javascript:alert(1)", "cobranza.example.mx", ""]
)
def test_an_address_that_is_not_http_is_refused(client, session, signed_in, receiver, url):
    signed_in("admin")
    response = client.post("/admin/outbound-webhooks", data={**NEW, "url": url})
    assert response.status_code == 200
    assert "whsec_" not in response.get_data(as_text=True)
    assert 'class="error"' in response.get_data(as_text=True)
    assert session.scalar(select(WebhookEndpoint)) is None


def test_no_event_chosen_is_refused(client, session, signed_in, receiver):
    signed_in("admin")
    add(client, receiver, event_types=[])
    assert session.scalar(select(WebhookEndpoint)) is None


def test_rotating_shows_a_new_secret_that_signs_the_test_event(
    client, session, signed_in, receiver
):
    signed_in("admin")
    old = shown_secret(add(client, receiver))
    endpoint = session.scalar(select(WebhookEndpoint))
    new = shown_secret(client.post(f"/admin/outbound-webhooks/{endpoint.id}/secret"))
    assert new != old
    response = client.post(f"/admin/outbound-webhooks/{endpoint.id}/test")
    assert response.status_code == 302  # the test event went out after the response
    assert [r.type for r in receiver.requests] == ["webhook.test"]
    assert receiver.requests[0].signed_with(new) and not receiver.requests[0].signed_with(old)
    page = client.get(f"/admin/outbound-webhooks/{endpoint.id}").get_data(as_text=True)
    assert "webhook.test" in page and receiver.requests[0].headers["X-Aclara-Event-Id"] in page


def test_the_log_shows_a_failed_delivery_and_replay_resends_it(
    client, session, signed_in, receiver, make, app, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    signed_in("admin")
    secret = shown_secret(add(client, receiver, event_types=["ticket.opened"]))
    endpoint = session.scalar(select(WebhookEndpoint))
    receiver.script(500, 502)
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="dispute")
    session.commit()
    run_ready_jobs(session)
    with clock.freeze(clock.now() + timedelta(minutes=1)):
        delivery.retry_due_job()
    row = session.scalar(select(WebhookDelivery))
    session.refresh(row)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 2, 502)

    page = client.get(f"/admin/outbound-webhooks/{endpoint.id}?status=failed")
    text = page.get_data(as_text=True)
    assert "HTTP 502" in text and row.event.event_id in text

    later = clock.now() + timedelta(hours=2)
    with clock.freeze(later):
        response = client.post(f"/admin/outbound-webhooks/deliveries/{row.id}/replay")
    assert response.status_code == 302
    session.refresh(row)
    assert (row.status, row.attempts) == ("delivered", 3)
    first, replayed = receiver.requests[0], receiver.requests[-1]
    assert replayed.headers["X-Aclara-Event-Id"] == first.headers["X-Aclara-Event-Id"]
    assert replayed.body == first.body
    assert replayed.headers["X-Aclara-Timestamp"] == str(int(later.timestamp()))
    assert replayed.signed_with(secret)
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "webhook.delivery_replayed")
    )


def test_an_admin_edits_and_deactivates_an_endpoint(client, session, signed_in, receiver):
    signed_in("admin")
    add(client, receiver)
    endpoint = session.scalar(select(WebhookEndpoint))
    response = client.post(
        f"/admin/outbound-webhooks/{endpoint.id}/edit",
        data={
            "name": "Cobranza MX",
            "url": "https://cobranza.example.mx/h",
            "event_types": ["ticket.resolved"],
        },
    )
    assert response.status_code == 302
    session.refresh(endpoint)
    assert (endpoint.name, endpoint.event_types) == ("Cobranza MX", ["ticket.resolved"])
    bad = client.post(
        f"/admin/outbound-webhooks/{endpoint.id}/edit",
        data={
            "name": "Cobranza MX",
            "url": "file:///etc/passwd",
            "event_types": ["ticket.resolved"],
        },
    )
    assert bad.status_code == 400
    client.post(f"/admin/outbound-webhooks/{endpoint.id}/active")
    session.refresh(endpoint)
    assert endpoint.is_active is False and endpoint.url == "https://cobranza.example.mx/h"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/admin/outbound-webhooks"),
        ("post", "/admin/outbound-webhooks"),
        ("get", "/admin/outbound-webhooks/1"),
        ("post", "/admin/outbound-webhooks/1/secret"),
        ("post", "/admin/outbound-webhooks/1/test"),
        ("post", "/admin/outbound-webhooks/deliveries/1/replay"),
        ("get", "/admin/ticket-types"),
        ("post", "/admin/ticket-types/complaint"),
    ],
)
def test_agents_are_forbidden(client, signed_in, method, path):
    signed_in("agent")
    assert getattr(client, method)(path, data={"effect": "hold"}).status_code == 403


def test_forms_need_the_csrf_token(client, session, signed_in, receiver, app, monkeypatch):
    signed_in("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert add(client, receiver).status_code == 400
    assert session.scalar(select(WebhookEndpoint)) is None
    from helpdesk.audit.services import Actor
    from helpdesk.outbound_webhooks import services as endpoints

    endpoint, _ = endpoints.add_endpoint(
        session,
        name="x",
        url=receiver.url,
        event_types=["ticket.opened"],
        secret_key=app.config["SECRET_KEY"],
        actor=Actor.system(),
        now=clock.now(),
    )
    session.commit()
    for action in ("secret", "test", "active"):
        response = client.post(f"/admin/outbound-webhooks/{endpoint.id}/{action}")
        assert response.status_code == 400, action
    assert receiver.requests == []
