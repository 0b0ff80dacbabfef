"""The outbound webhooks' job: where the app's settings are read and handed to ``delivery``."""

from __future__ import annotations

from flask import current_app

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.outbound_webhooks.delivery import WebhookSettings, deliver


def deliver_job(delivery_id: int) -> None:
    """One attempt of one delivery (run as ``outbound_webhooks.delivery.deliver_job``, the
    name queued RQ jobs hold); safe to run twice."""
    deliver(
        db.session,
        delivery_id,
        settings=WebhookSettings.from_config(current_app.config),
        now=clock.now(),
    )
