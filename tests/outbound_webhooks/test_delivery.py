"""The collection system hears about holds and tickets: signed, retried, replayable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.holds import services as holds
from helpdesk.jobs import run_ready_jobs
from helpdesk.outbound_webhooks import delivery
from helpdesk.outbound_webhooks import services as endpoints
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEvent
from helpdesk.tickets import services as tickets


def open_dispute(session, make):
    account = make.account(number="MX-778899")
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    session.commit()
    run_ready_jobs(session)
    return account, ticket


def resolve(session, ticket, outcome="favourable"):
    holds.record_outcome(
        session,
        ticket,
        outcome,
        grace=holds.grace_period(current_app.config),
        actor=Actor.system(),
        now=clock.now(),
    )
    tickets.set_status(session, ticket, "resolved", actor=Actor.system(), now=clock.now())
    session.commit()
    run_ready_jobs(session)


def run_due_at(moment):
    with clock.freeze(moment):
        return delivery.retry_due_job()


def test_a_dispute_on_a_linked_account_tells_the_collection_system(
    session, make, receiver, endpoint
):
    _, secret = endpoint
    account, ticket = open_dispute(session, make)

    assert sorted(r.type for r in receiver.requests) == ["account.hold_started", "ticket.opened"]
    for request in receiver.requests:
        assert request.signed_with(secret)
        assert not request.signed_with("whsec_another")
        assert request.headers["Content-Type"] == "application/json"
        body = request.json()
        assert body["id"] == request.headers["X-Aclara-Event-Id"]
        assert body["type"] == request.type
        assert request.headers["X-Aclara-Timestamp"] == str(int(clock.now().timestamp()))
    assert len({r.headers["X-Aclara-Event-Id"] for r in receiver.requests}) == 2

    opened = receiver.of_type("ticket.opened")[0].json()["data"]["ticket"]
    assert opened["folio"] == ticket.folio and opened["type"] == "dispute"
    assert opened["accounts"] == [{"number": "MX-778899", "creditor": account.creditor}]
    started = receiver.of_type("account.hold_started")[0].json()["data"]
    assert started["account"]["number"] == "MX-778899"
    assert started["hold"]["ticket"] == ticket.folio and started["hold"]["type"] == "dispute"
    assert started["account_hold"]["active"] is True
    assert started["account_hold"]["reasons"][0]["ticket"] == ticket.folio
    # The debtor's personal data stays here.
    assert ticket.contact.email not in b"".join(r.body for r in receiver.requests).decode()

    statuses = session.scalars(select(WebhookDelivery.status)).all()
    assert statuses == ["delivered", "delivered"]


def test_resolving_tells_ticket_resolved_and_hold_ended(session, make, receiver, endpoint):
    _, ticket = open_dispute(session, make)
    receiver.requests.clear()
    resolve(session, ticket, "partial")

    assert sorted(r.type for r in receiver.requests) == ["account.hold_ended", "ticket.resolved"]
    resolved = receiver.of_type("ticket.resolved")[0].json()["data"]["ticket"]
    assert resolved["status"] == "resolved"
    assert resolved["outcome"]["outcome"] == "partial"
    ended = receiver.of_type("account.hold_ended")[0].json()["data"]
    assert ended["hold"]["outcome"] == "partial" and ended["hold"]["resumes_at"]


def test_only_subscribed_active_endpoints_get_events(session, make, receiver, endpoint):
    row, _ = endpoint
    endpoints.update_endpoint(
        session,
        row,
        name=row.name,
        url=row.url,
        event_types=["ticket.resolved"],
        actor=Actor.system(),
        now=clock.now(),
    )
    session.commit()
    _, ticket = open_dispute(session, make)
    assert receiver.requests == []
    assert session.scalar(select(WebhookEvent.id)) is None  # nobody listens: nothing stored
    endpoints.set_active(session, row, False, actor=Actor.system(), now=clock.now())
    resolve(session, ticket)
    assert receiver.requests == []


def test_nothing_is_sent_when_the_transaction_rolls_back(session, make, receiver, endpoint):
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="dispute")
    session.rollback()
    run_ready_jobs(session)
    assert receiver.requests == []


def test_a_failing_receiver_is_retried_with_backoff_until_delivered(
    session, make, receiver, endpoint
):
    receiver.script(500, 500, 500, 500)  # both first attempts, then both first retries
    open_dispute(session, make)
    rows = session.scalars(select(WebhookDelivery)).all()
    assert {r.status for r in rows} == {"retrying"}
    assert {r.next_attempt_at for r in rows} == {clock.now() + timedelta(minutes=1)}
    assert {r.last_status_code for r in rows} == {500}
    assert {r.response_excerpt for r in rows} == {"Internal trouble"}

    start = clock.now()
    assert run_due_at(start + timedelta(seconds=59)) == 0
    assert run_due_at(start + timedelta(minutes=1)) == 2
    session.expire_all()
    assert {r.next_attempt_at for r in rows} == {start + timedelta(minutes=1 + 2)}
    assert run_due_at(start + timedelta(minutes=3)) == 2
    session.expire_all()
    assert {(r.status, r.attempts, r.last_status_code) for r in rows} == {("delivered", 3, 200)}
    assert len(receiver.requests) == 6
    # Every attempt of one event carries the same id and body.
    by_id = {}
    for request in receiver.requests:
        by_id.setdefault(request.headers["X-Aclara-Event-Id"], set()).add(request.body)
    assert len(by_id) == 2 and all(len(bodies) == 1 for bodies in by_id.values())


def test_a_timeout_is_retried(session, make, receiver, endpoint, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.3)
    receiver.sleep = 1.0
    open_dispute(session, make)
    rows = session.scalars(select(WebhookDelivery)).all()
    assert {r.status for r in rows} == {"retrying"}
    assert all("timed out" in r.last_error.lower() for r in rows), [r.last_error for r in rows]
    receiver.sleep = 0
    run_due_at(clock.now() + timedelta(minutes=1))
    session.expire_all()
    assert {r.status for r in rows} == {"delivered"}


def test_after_max_attempts_it_fails_and_a_replay_resends_the_same_event(
    session, make, receiver, endpoint, app, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    row, secret = endpoint
    endpoints.update_endpoint(
        session,
        row,
        name=row.name,
        url=row.url,
        event_types=["ticket.opened"],
        actor=Actor.system(),
        now=clock.now(),
    )
    session.commit()
    receiver.script(503, 503, 503)
    open_dispute(session, make)
    start = clock.now()
    run_due_at(start + timedelta(minutes=1))
    run_due_at(start + timedelta(minutes=3))
    assert run_due_at(start + timedelta(days=1)) == 0
    failed = session.scalar(select(WebhookDelivery))
    session.refresh(failed)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 3, None)

    later = start + timedelta(days=1)
    with clock.freeze(later):
        delivery.replay(session, failed, actor=Actor.system(), now=clock.now())
        session.commit()
        run_ready_jobs(session)
    session.refresh(failed)
    assert (failed.status, failed.attempts) == ("delivered", 4)
    first, replayed = receiver.requests[0], receiver.requests[-1]
    assert replayed.body == first.body
    assert replayed.headers["X-Aclara-Event-Id"] == first.headers["X-Aclara-Event-Id"]
    assert replayed.headers["X-Aclara-Timestamp"] == str(int(later.timestamp()))
    assert replayed.headers["X-Aclara-Signature"] != first.headers["X-Aclara-Signature"]
    assert replayed.signed_with(secret)


def test_running_a_delivery_twice_sends_it_once(session, make, receiver, endpoint):
    open_dispute(session, make)
    ids = session.scalars(select(WebhookDelivery.id)).all()
    for delivery_id in ids:
        settings = delivery.WebhookSettings.from_config(current_app.config)
        assert delivery.deliver(session, delivery_id, settings=settings, now=clock.now()) is None
    assert len(receiver.requests) == 2


def test_a_rotated_secret_signs_the_next_post(session, make, receiver, endpoint):
    row, old = endpoint
    new = endpoints.rotate_secret(
        session,
        row,
        secret_key=current_app.config["SECRET_KEY"],
        actor=Actor.system(),
        now=clock.now(),
    )
    session.commit()
    open_dispute(session, make)
    assert new != old and new.startswith("whsec_")
    assert all(r.signed_with(new) and not r.signed_with(old) for r in receiver.requests)


def test_the_secret_is_stored_encrypted(session, endpoint):
    row, secret = endpoint
    assert secret not in row.secret_encrypted
    assert endpoints.signing_secret(row, secret_key=current_app.config["SECRET_KEY"]) == secret


@pytest.mark.parametrize("url", ["ftp://example.mx/x", "javascript:alert(1)", "example.mx", ""])
def test_only_http_addresses_are_accepted(session, url):
    with pytest.raises(endpoints.EndpointError):
        endpoints.check_url(url)


def test_the_signature_is_hmac_of_timestamp_and_body():
    body = json.dumps({"a": 1}).encode()
    assert delivery.signature("s", "1700000000", body) == (
        "sha256=" + __import__("hmac").new(b"s", b"1700000000." + body, "sha256").hexdigest()
    )
    assert delivery.backoff(1) == timedelta(minutes=1)
    assert delivery.backoff(3) == timedelta(minutes=4)
    assert delivery.backoff(30) == timedelta(hours=1)
