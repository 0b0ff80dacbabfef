"""Delivering webhook events: signed POSTs, retries with exponential backoff, replay.

The database row is the source of truth for retries, not RQ: a failed attempt sets
``next_attempt_at`` and the ``webhooks.retry`` cron entry (every 30 s) enqueues what is
due. That survives a Redis restart or a redeploy (RQ's own scheduled retries live only
in Redis), also picks up deliveries whose after-commit enqueue was lost, and lets tests
drive the schedule with the app's clock.

Each attempt first *claims* the delivery with a conditional UPDATE that pushes
``next_attempt_at`` past the HTTP timeout, then commits: a second job for the same
delivery (the sweep racing the first enqueue, two workers) finds nothing to claim. A
worker that dies mid-attempt leaves the claim to expire, and the sweep tries again —
at-least-once delivery; receivers dedupe on the event id.

Signature: ``X-Aclara-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``
with ``X-Aclara-Timestamp`` in Unix seconds; see the README for how to verify it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor, record
from helpdesk.extensions import db
from helpdesk.jobs import enqueue, enqueue_after_commit
from helpdesk.outbound_webhooks.models import WebhookDelivery
from helpdesk.outbound_webhooks.services import signing_secret, summary

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED, RETRYING = "pending", "delivered", "failed", "retrying"
STATUSES = (PENDING, DELIVERED, FAILED, RETRYING)
DUE = (PENDING, RETRYING)
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8, … minutes
LONGEST_RETRY = timedelta(hours=1)
EXCERPT = 500
SWEEP_LIMIT = 500


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body``: binding the timestamp
    lets receivers refuse an old request replayed by someone who captured it."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(failures: int) -> timedelta:
    """Wait after the ``failures``-th failed attempt: 1 min, 2, 4, … capped at an hour."""
    return min(FIRST_RETRY * 2 ** max(failures - 1, 0), LONGEST_RETRY)


# --- Jobs ---------------------------------------------------------------------------


def queue_deliveries(session: Session, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        enqueue_after_commit(session, deliver_job, delivery_id, queue="default")


def deliver_job(delivery_id: int) -> None:
    """RQ entry (an id only); safe to run twice. The name queued jobs hold: the job is
    ``outbound_webhooks.jobs.deliver_job``, which reads the app's settings."""
    from helpdesk.outbound_webhooks import jobs

    jobs.deliver_job(delivery_id)


def retry_due_job() -> int:
    """The ``webhooks.retry`` cron entry: enqueue every delivery that is due."""
    ids = due_ids(db.session, now=clock.now())
    db.session.rollback()  # read only; do not hold a transaction while jobs run inline
    for delivery_id in ids:
        enqueue(deliver_job, delivery_id, queue="default")
    return len(ids)


def due_ids(session: Session, *, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status.in_(DUE), WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(SWEEP_LIMIT)
        )
    )


# --- One attempt --------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookSettings:
    """What a delivery takes from the app's settings (built by its job)."""

    timeout: float  # WEBHOOK_TIMEOUT: seconds a POST may take
    max_attempts: int  # WEBHOOK_MAX_ATTEMPTS: failures before a delivery is failed
    secret_key: str  # opens the endpoints' sealed signing secrets

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookSettings:
        return cls(
            timeout=float(config["WEBHOOK_TIMEOUT"]),
            max_attempts=config["WEBHOOK_MAX_ATTEMPTS"],
            secret_key=config["SECRET_KEY"],
        )


def deliver(
    session: Session, delivery_id: int, *, settings: WebhookSettings, now: datetime
) -> str | None:
    """Make one attempt if the delivery is due; its new status (None: nothing to do).

    Commits twice: the claim before the POST, the outcome after it."""
    if not _claim(session, delivery_id, timeout=settings.timeout, now=now):
        session.rollback()
        return None
    session.commit()
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    attempt = _attempt(delivery, settings, now=now)
    _record(delivery, attempt, max_attempts=settings.max_attempts, now=now)
    session.commit()
    log.info(
        "webhook %s (%s) to endpoint %s: %s after %s attempt(s), HTTP %s%s",
        delivery.event.event_id,
        delivery.event.type,
        delivery.endpoint_id,
        delivery.status,
        delivery.attempts,
        attempt.status_code,
        f", {attempt.error}" if attempt.error else "",
    )
    return delivery.status


def _claim(session: Session, delivery_id: int, *, timeout: float, now: datetime) -> bool:
    lease = now + timedelta(seconds=timeout + 60)
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status.in_(DUE),
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _attempt(delivery: WebhookDelivery, settings: WebhookSettings, *, now: datetime) -> Attempt:
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return Attempt(None, "the endpoint is deactivated", None, 0)
    secret = signing_secret(endpoint, secret_key=settings.secret_key)
    if secret is None:
        return Attempt(None, "the secret cannot be decrypted (app key changed): rotate it", None, 0)
    return post(
        endpoint.url,
        delivery.event.body.encode(),
        secret=secret,
        event_type=delivery.event.type,
        event_id=delivery.event.event_id,
        now=now,
        timeout=settings.timeout,
    )


def _record(
    delivery: WebhookDelivery, attempt: Attempt, *, max_attempts: int, now: datetime
) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = attempt.status_code
    delivery.last_error = attempt.error[:500] if attempt.error else None
    delivery.response_excerpt = attempt.excerpt
    delivery.duration_ms = attempt.duration_ms
    failures = delivery.attempts - delivery.attempts_at_replay
    if attempt.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
    elif failures >= max_attempts or not delivery.endpoint.is_active:
        delivery.status, delivery.next_attempt_at = FAILED, None
    else:
        delivery.status, delivery.next_attempt_at = RETRYING, now + backoff(failures)


def post(
    url: str,
    body: bytes,
    *,
    secret: str,
    event_type: str,
    event_id: str,
    now: datetime,
    timeout: float,
) -> Attempt:
    """POST the signed body once; never raises for network trouble (it is an Attempt)."""
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (http(s) only)
    for name, value in {
        "Content-Type": "application/json",
        "User-Agent": "Aclara-Webhooks/1",
        "X-Aclara-Event": event_type,
        "X-Aclara-Event-Id": event_id,
        "X-Aclara-Timestamp": timestamp,
        "X-Aclara-Signature": signature(secret, timestamp, body),
    }.items():
        request.add_header(name, value)
    started = time.monotonic()
    status, error, excerpt = _send(request, timeout)
    return Attempt(status, error, excerpt, int((time.monotonic() - started) * 1000))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _send(
    request: urllib.request.Request, timeout: float
) -> tuple[int | None, str | None, str | None]:
    if not request.full_url.startswith(("https://", "http://")):
        return None, "refusing a non-HTTP URL", None
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, None, _excerpt(response.read(EXCERPT))
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}", _excerpt(error.read(EXCERPT))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(reason).__name__}: {reason}"[:500], None


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT].decode("utf-8", "replace")


# --- Replay -------------------------------------------------------------------------


def replay(session: Session, delivery: WebhookDelivery, *, actor: Actor, now: datetime) -> None:
    """Send the same event (same id, same body) again, with a fresh timestamp and
    signature and a new retry budget; delivered after the caller commits."""
    delivery.status, delivery.next_attempt_at = PENDING, now
    delivery.attempts_at_replay = delivery.attempts
    record(
        session,
        actor,
        "webhook.delivery_replayed",
        delivery,
        now=now,
        after={"event": delivery.event.event_id, "endpoint": summary(delivery.endpoint)["name"]},
    )
    queue_deliveries(session, [delivery.id])
