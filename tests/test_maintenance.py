"""The daily prune removes what has served its purpose, and nothing else."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.maintenance import prune
from helpdesk.outbound_webhooks import services as endpoints
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEvent
from helpdesk.portal.models import PortalCode


def _code(session, contact, *, expired_ago: timedelta) -> PortalCode:
    now = clock.now()
    code = PortalCode(
        contact_id=contact.id, code_hash="x" * 64,
        created_at=now - expired_ago - timedelta(minutes=10), expires_at=now - expired_ago,
    )  # fmt: skip
    session.add(code)
    return code


def _delivery(session, endpoint, *, status: str, age: timedelta) -> WebhookDelivery:
    at = clock.now() - age
    event = WebhookEvent(event_id=str(uuid.uuid4()), type="ticket.opened", body="{}", created_at=at)
    delivery = WebhookDelivery(
        event=event, endpoint=endpoint, status=status, created_at=at,
        delivered_at=at if status == "delivered" else None,
    )  # fmt: skip
    session.add(delivery)
    return delivery


def test_prune_keeps_what_can_still_be_used_or_read(session, make) -> None:
    contact = make.contact()
    old_code = _code(session, contact, expired_ago=timedelta(days=2))
    recent_code = _code(session, contact, expired_ago=timedelta(hours=2))
    live_code = _code(session, contact, expired_ago=timedelta(minutes=-5))
    endpoint, _ = endpoints.add_endpoint(
        session, name="Cobranza", url="https://cobranza.example.com/hook",
        event_types=list(endpoints.EVENT_TYPES), secret_key=current_app.config["SECRET_KEY"],
        actor=Actor.system("test"), now=clock.now(),
    )  # fmt: skip
    old_delivered = _delivery(session, endpoint, status="delivered", age=timedelta(days=120))
    old_failed = _delivery(session, endpoint, status="failed", age=timedelta(days=120))
    recent_delivered = _delivery(session, endpoint, status="delivered", age=timedelta(days=3))
    session.flush()
    gone_event_id = old_delivered.event_id

    counts = prune(session, now=clock.now())

    assert counts == {"portal_codes": 1, "webhook_deliveries": 1, "webhook_events": 1}
    session.expire_all()
    assert set(session.scalars(select(PortalCode.id))) == {recent_code.id, live_code.id}
    assert old_code.id not in set(session.scalars(select(PortalCode.id)))
    kept = set(session.scalars(select(WebhookDelivery.id)))
    assert kept == {old_failed.id, recent_delivered.id}
    assert session.get(WebhookEvent, gone_event_id) is None
    assert session.get(WebhookEvent, old_failed.event_id) is not None  # can still be replayed

