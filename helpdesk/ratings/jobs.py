"""The ratings' jobs: where the app's settings are read and handed to ``ratings.mail``."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from helpdesk import clock
from helpdesk.branding.queries import brand
from helpdesk.extensions import db
from helpdesk.ratings import mail
from helpdesk.ratings.services import RESOLVED, make_token, resolution_key
from helpdesk.tickets.models import Ticket

log = logging.getLogger(__name__)
ASK_WITHIN = timedelta(days=3)


def send_request_email_job(ticket_id: int, key: str, base_url: str | None) -> bool:
    """Mail the rating links of one resolution; nothing when the ticket was reopened in
    the meantime (that resolution is gone) or there is nowhere to link to."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in RESOLVED or ticket.resolved_at is None:
        return False
    if resolution_key(ticket.resolved_at) != key:
        return False
    if clock.now() - ticket.resolved_at > ASK_WITHIN:
        # A job run late (a worker down for days) or history loaded in bulk (the demo):
        # nobody is asked about a case closed long ago.
        log.info("ratings: %s resolved too long ago to ask", ticket.folio)
        return False
    config = current_app.config
    root = config.get("PUBLIC_URL") or base_url
    if not root:
        log.warning("ratings: no HELPDESK_PUBLIC_URL to link to; %s not asked", ticket.folio)
        return False
    token = make_token(ticket, secret_key=config["SECRET_KEY"])
    look = brand(db.session, default_name=config["AGENCY_NAME"])
    return mail.send_request(
        ticket, token, base_url=root, config=config, now=clock.now(), look=look
    )
