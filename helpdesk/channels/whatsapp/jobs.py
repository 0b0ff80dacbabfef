"""The WhatsApp channel's jobs: where the app's settings are read and handed down.

RQ holds them under their historical names (``webhook.process_webhook_job``,
``outbound.send_whatsapp_job``, ``media.download_media_job``), which run these.
"""

from __future__ import annotations

import logging

from flask import current_app
from rq import get_current_job

from helpdesk import clock
from helpdesk.channels.whatsapp import numbers, statuses
from helpdesk.channels.whatsapp.client import GraphError
from helpdesk.channels.whatsapp.media import MAX_ATTEMPTS, attempt, fail
from helpdesk.channels.whatsapp.models import WhatsAppMedia, WhatsAppWebhook
from helpdesk.channels.whatsapp.outbound import as_graph_error, failed, send_message
from helpdesk.channels.whatsapp.ratings import request_rating
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.channels.whatsapp.webhook import process
from helpdesk.extensions import db
from helpdesk.tickets import delivery
from helpdesk.tickets.models import Message, Ticket

# The messages keep the logger they were written under.
log = logging.getLogger("helpdesk.channels.whatsapp.outbound")


def _settings() -> WhatsAppSettings:
    return WhatsAppSettings.from_config(current_app.config)


def process_webhook_job(webhook_id: int) -> None:
    """Process one stored webhook payload (its messages, statuses, reactions)."""
    session = db.session
    row = session.get(WhatsAppWebhook, webhook_id)
    if row is None:
        return
    outcome = process(session, row, settings=_settings(), now=clock.now())
    session.commit()
    if outcome.pending_wamids:  # the send job may have committed their wamids meanwhile
        statuses.apply_pending(session, outcome.pending_wamids, now=clock.now())
        session.commit()


def send_whatsapp_job(message_id: int) -> None:
    """Claim and send one outgoing message, part by part."""
    session = db.session
    attempt_number = delivery.claim(session, message_id, now=clock.now())  # queued → sending
    if attempt_number is None:
        return  # sent, failed, gone, or another sender holds it: never twice
    message = session.get(Message, message_id)
    try:
        delivery.hand_over(session, message_id, attempt_number, now=clock.now())
        wamids = send_message(session, message, settings=_settings(), now=clock.now())
    except delivery.ClaimLost:
        log.warning("message %s: claim lapsed and taken over; not sent by this job", message_id)
        session.rollback()
        return
    except (GraphError, numbers.NumberError) as error:
        failed(session, message, as_graph_error(error))
        return
    session.commit()
    statuses.apply_pending(session, wamids, now=clock.now())  # statuses that came first
    session.commit()


def download_media_job(media_row_id: int) -> None:
    """Download, check and store one media item of an inbound message."""
    session = db.session
    settings = _settings()
    while True:
        row = session.get(WhatsAppMedia, media_row_id)
        if row is None or row.status != "pending":
            return
        failure = attempt(session, row, settings=settings, now=clock.now())
        if failure is None or not failure.temporary or row.attempts >= MAX_ATTEMPTS:
            if failure is not None:
                fail(session, row, failure.reason, now=clock.now())
            session.commit()
            return
        row.error = f"retrying: {failure.reason}"[:500]
        session.commit()
        if get_current_job() is not None:
            raise failure  # RQ tries again with its backoff
        # inline (no worker, no scheduler): try again now


def request_rating_job(ticket_id: int, key: str) -> bool:
    """Send the rating list of one resolution of a WhatsApp ticket (when still due)."""
    session = db.session
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    message = request_rating(session, ticket, key, settings=_settings(), now=clock.now())
    session.commit()
    return message is not None
