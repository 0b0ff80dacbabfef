"""Pruning rows whose use is over: the daily ``maintenance.prune`` cron job.

* Portal sign-in codes a day after they expired: a code is personal data about a
  debtor's sign-ins and serves nothing once it cannot be used.
* Outbound webhook deliveries that succeeded more than ``WEBHOOK_LOG_KEPT`` ago, and the
  events left without any delivery: the log an admin reads and replays from is about
  recent trouble. Failed and pending deliveries stay until someone replays or they pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.outbound_webhooks.delivery import DELIVERED
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEvent
from helpdesk.portal.models import PortalCode

log = logging.getLogger(__name__)

PORTAL_CODES_KEPT = timedelta(days=1)  # after they expire
WEBHOOK_LOG_KEPT = timedelta(days=90)  # after the delivery succeeded


def prune(session: Session, *, now: datetime) -> dict[str, int]:
    """Delete what has served its purpose; returns how many rows of each kind. Flushes."""
    codes = session.execute(
        delete(PortalCode).where(PortalCode.expires_at < now - PORTAL_CODES_KEPT)
    ).rowcount
    deliveries = session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status == DELIVERED,
            WebhookDelivery.delivered_at < now - WEBHOOK_LOG_KEPT,
        )
    ).rowcount
    orphans = ~exists(select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id))
    events = session.execute(
        delete(WebhookEvent).where(WebhookEvent.created_at < now - WEBHOOK_LOG_KEPT, orphans)
    ).rowcount
    return {"portal_codes": codes, "webhook_deliveries": deliveries, "webhook_events": events}


def prune_job() -> dict[str, int]:
    counts = prune(db.session, now=clock.now())
    db.session.commit()
    log.info("pruned %(portal_codes)d portal codes, %(webhook_deliveries)d webhook "
             "deliveries, %(webhook_events)d webhook events", counts)  # fmt: skip
    return counts
