"""Reads for the admin pages and the CLI: the delivery log, latest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def delivery_log(
    session: Session, endpoint: WebhookEndpoint, *, status: str | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .options(joinedload(WebhookDelivery.event))
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query))


def recent_deliveries(session: Session, *, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .options(joinedload(WebhookDelivery.event), joinedload(WebhookDelivery.endpoint))
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def deliveries_of_event(session: Session, event_id: str) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .join(WebhookEvent)
            .where(WebhookEvent.event_id == event_id.strip())
            .order_by(WebhookDelivery.id)
        )
    )


def endpoint_by_id(session: Session, endpoint_id: int) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def delivery_by_id(session: Session, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)
