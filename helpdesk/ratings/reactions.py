"""Asking for a rating when a ticket is resolved (a signal receiver, wired in app.py).

Email, web-form, portal and API tickets get the mail with the links (after the commit,
from the ``mail`` queue); WhatsApp tickets get a list message from the WhatsApp channel's
own receiver; portal users also see the prompt on the case page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.jobs import enqueue_after_commit
from helpdesk.ratings.services import resolution_key, wants_request
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel


def send_request_email_job(ticket_id: int, key: str, base_url: str | None) -> bool:
    """The job's name RQ holds; the job is ``ratings.jobs.send_request_email_job``."""
    from helpdesk.ratings import jobs

    return jobs.send_request_email_job(ticket_id, key, base_url)


def on_status_changed(
    ticket: Ticket, *, session: Session, before: str, after: str, now: datetime, **_: Any
) -> None:
    if not wants_request(before, after) or ticket.resolved_at is None:
        return
    if ticket.channel == Channel.WHATSAPP.value or not ticket.contact.email:
        return
    # The page that resolved it knows where the app is; the job prefers PUBLIC_URL.
    base_url = request.host_url if has_request_context() else None
    enqueue_after_commit(
        session,
        send_request_email_job,
        ticket.id,
        resolution_key(ticket.resolved_at),
        base_url,
        queue="mail",
    )


def connect() -> None:
    events.ticket_status_changed.connect(on_status_changed)
