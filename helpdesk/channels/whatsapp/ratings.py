"""Satisfaction ratings on WhatsApp: the 1–5 list sent when a WhatsApp ticket is
resolved, and the debtor's choice coming back.

The request goes out only inside the 24-hour window (an interactive message is not a
template); outside it, it is skipped and the reason logged. A row's id carries the
signed rating link (``csat:<score>:<token>``), so the reply names its ticket and
resolution by itself; it is stored in the thread like any message, without reopening
the ticket, and recorded through ``ratings.services``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.audit.services import Actor
from helpdesk.channels.whatsapp import identity
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppNumber
from helpdesk.channels.whatsapp.outbound import number_for_ticket, queue_send
from helpdesk.channels.whatsapp.parse import Parsed
from helpdesk.channels.whatsapp.replies import window
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts import queries as contact_queries
from helpdesk.jobs import enqueue_after_commit
from helpdesk.ratings import services as ratings
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import add_acknowledgement, append_inbound
from helpdesk.tickets.vocabulary import Channel

log = logging.getLogger(__name__)


def request_rating_job(ticket_id: int, key: str) -> bool:
    """The job's name RQ holds; the job is ``channels.whatsapp.jobs.request_rating_job``."""
    from helpdesk.channels.whatsapp import jobs

    return jobs.request_rating_job(ticket_id, key)


def _on_status_changed(
    ticket: Ticket, *, session: Session, before: str, after: str, **_: Any
) -> None:
    if ticket.channel != Channel.WHATSAPP.value or ticket.resolved_at is None:
        return
    if ratings.wants_request(before, after):
        key = ratings.resolution_key(ticket.resolved_at)
        enqueue_after_commit(session, request_rating_job, ticket.id, key, queue="default")


def connect() -> None:
    events.ticket_status_changed.connect(_on_status_changed)


def score_titles() -> dict[int, str]:
    return {
        1: _("1 · Very bad"),
        2: _("2 · Bad"),
        3: _("3 · Fair"),
        4: _("4 · Good"),
        5: _("5 · Very good"),
    }


def request_rating(
    session: Session, ticket: Ticket, key: str, *, settings: WhatsAppSettings, now: datetime
) -> Message | None:
    """Queue the list message for the resolution ``key``; None when it is not sent (the
    ticket was reopened meanwhile, it was sent already, or the window is closed)."""
    if not _is_current(ticket, key) or _asked_already(session, ticket, key):
        return None
    if not window(session, ticket, now=now).is_open:
        log.info("ratings: %s not asked on WhatsApp: outside the 24-hour window", ticket.folio)
        return None
    number = number_for_ticket(session, ticket, settings)
    if number is None:
        log.info("ratings: %s not asked on WhatsApp: no number is configured", ticket.folio)
        return None
    token = ratings.make_token(ticket, secret_key=settings.secret_key)
    with force_locale(ticket.contact.language or settings.default_locale):
        text = _(
            "Your case %(folio)s was resolved. How would you rate the attention you received, "
            "from 1 (very bad) to 5 (very good)?",
            folio=ticket.folio,
        )
        interactive = {
            "type": "list",
            "body": {"text": text},
            "action": {
                "button": _("Rate")[:20],
                "sections": [
                    {
                        "title": _("Your rating")[:24],
                        "rows": [
                            {"id": _row_id(score, token), "title": title[:24]}
                            for score, title in sorted(score_titles().items(), reverse=True)
                        ],
                    }
                ],
            },
        }
    message = add_acknowledgement(
        session, ticket, channel=Channel.WHATSAPP.value, text=text,
        actor=Actor.system("whatsapp"), now=now, action="message.rating_requested",
    )  # fmt: skip
    session.add(
        WhatsAppMessage(
            message_id=message.id,
            number_id=number.id,
            kind="interactive",
            details={"rating": "request", "interactive": interactive, "rating_key": key},
        )
    )
    queue_send(session, message)
    return message


def _row_id(score: int, token: str) -> str:
    return f"{ratings.WHATSAPP_PREFIX}:{score}:{token}"


def _is_current(ticket: Ticket, key: str) -> bool:
    return (
        ticket.status in ratings.RESOLVED
        and ticket.resolved_at is not None
        and ratings.resolution_key(ticket.resolved_at) == key
    )


def _asked_already(session: Session, ticket: Ticket, key: str) -> bool:
    """Running the job twice sends one list: the first left its message on the ticket."""
    statement = (
        select(WhatsAppMessage.details)
        .join(Message, Message.id == WhatsAppMessage.message_id)
        .where(Message.ticket_id == ticket.id, WhatsAppMessage.kind == "interactive")
    )
    return any((details or {}).get("rating_key") == key for details in session.scalars(statement))


def rating_choice(parsed: Parsed) -> tuple[int, str] | None:
    """(score, token) when the message is the choice of one of our rating rows."""
    if parsed.kind != "interactive":
        return None
    reply_id = str(parsed.details.get("reply_id") or "")
    prefix, _sep, rest = reply_id.partition(":")
    score, _sep, token = rest.partition(":")
    if prefix != ratings.WHATSAPP_PREFIX or not score.isdigit() or not token:
        return None
    return int(score), token


def receive_rating(
    session: Session,
    parsed: Parsed,
    number: WhatsAppNumber,
    *,
    settings: WhatsAppSettings,
    now: datetime,
) -> str | None:
    """Store the debtor's choice in the thread and record the rating; None when the reply
    is not a valid rating of this sender's ticket (intake then takes it like any
    message, so nothing is lost)."""
    choice = rating_choice(parsed)
    if choice is None:
        return None
    score, token = choice
    found = ratings.look_up(session, token, secret_key=settings.secret_key)
    if found is None or not _from_contact(session, parsed, found.ticket):
        return None
    ticket = found.ticket
    if _stored(session, parsed.wamid):
        return "duplicate"
    message = append_inbound(
        session, ticket, text=parsed.text, channel=Channel.WHATSAPP.value,
        contact=ticket.contact, external_id=parsed.wamid,
        reopen=False, now=min(parsed.sent_at or now, now),
    )  # fmt: skip
    session.add(
        WhatsAppMessage(
            message_id=message.id,
            number_id=number.id,
            kind="interactive",
            sent_at=parsed.sent_at,
            details=parsed.details or None,
        )
    )
    session.flush()
    try:
        ratings.rate(
            session, ticket, key=found.key, score=score, comment=None,
            channel=Channel.WHATSAPP.value, now=now,
        )  # fmt: skip
    except ratings.RatingError as error:
        log.info("ratings: WhatsApp rating of %s not recorded: %s", ticket.folio, error)
        return "appended"
    _thank(session, ticket, number, settings=settings, now=now)
    return "appended"


def _thank(
    session: Session,
    ticket: Ticket,
    number: WhatsAppNumber,
    *,
    settings: WhatsAppSettings,
    now: datetime,
) -> None:
    with force_locale(ticket.contact.language or settings.default_locale):
        # No invitation to write more: a new message reopens a resolved case.
        text = _("Thank you for your rating.")
    message = add_acknowledgement(
        session, ticket, channel=Channel.WHATSAPP.value, text=text,
        actor=Actor.system("whatsapp"), now=now, action="message.rating_thanked",
    )  # fmt: skip
    session.add(
        WhatsAppMessage(
            message_id=message.id, number_id=number.id, kind="text", details={"rating": "thanks"}
        )
    )
    queue_send(session, message)


def _from_contact(session: Session, parsed: Parsed, ticket: Ticket) -> bool:
    """The choice counts only from the ticket's own debtor (a forwarded list does not)."""
    sender = identity.sender(session, wa_id=parsed.wa_id, user_id=parsed.user_id, name="")
    contact = contact_queries.contact_by_identity(session, sender.kind, sender.value)
    return contact is not None and contact.id == ticket.contact_id


def _stored(session: Session, wamid: str) -> bool:
    return (
        session.scalar(
            select(Message.id).where(
                Message.channel == Channel.WHATSAPP.value, Message.external_id == wamid
            )
        )
        is not None
    )
