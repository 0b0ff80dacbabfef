"""One inbound WhatsApp message into a ticket, through ``intake.receive()``.

The adapter's share: the sender's identity (E.164 or business-scoped id), the thread hint
(``context.id``, mapped from any part of a message we sent to that message), the
message's own time (conversations are ordered by it, not by arrival), what WhatsApp adds
(type, details) and one download job per media item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.channels.whatsapp import identity, media
from helpdesk.channels.whatsapp.acknowledge import acknowledge
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppNumber, WhatsAppSentPart
from helpdesk.channels.whatsapp.parse import Change, Parsed, profile_name
from helpdesk.channels.whatsapp.ratings import receive_rating
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.intake.inbound import Inbound, ThreadHints
from helpdesk.intake.services import receive
from helpdesk.tickets.models import Message
from helpdesk.tickets.vocabulary import Channel


def receive_message(
    session: Session,
    parsed: Parsed,
    change: Change,
    number: WhatsAppNumber,
    *,
    settings: WhatsAppSettings,
    now: datetime,
) -> str:
    """Returns intake's action: created, appended or duplicate."""
    if not (parsed.wa_id or parsed.user_id):
        raise ValueError("the message names no sender (neither wa_id nor user id)")
    rated = receive_rating(session, parsed, number, settings=settings, now=now)
    if rated is not None:  # a choice from a rating list: stored in its ticket, not reopened
        return rated
    name = profile_name(change.contacts, parsed.wa_id, parsed.user_id)
    inbound = Inbound(
        channel=Channel.WHATSAPP.value,
        external_id=parsed.wamid,
        sender=identity.sender(session, wa_id=parsed.wa_id, user_id=parsed.user_id, name=name),
        subject=_subject(parsed),
        text=parsed.text,
        recipients=(change.display_number,) if change.display_number else (),
        hints=ThreadHints(context_id=_thread_id(session, parsed.context_id)),
        sent_at=parsed.sent_at,
    )
    result = receive(
        session,
        inbound,
        settings=settings.intake,
        queue=number.queue,
        now=now,
    )
    if result.action == "duplicate" or result.message is None:
        return result.action
    message = result.message
    if parsed.sent_at is not None:
        message.created_at = min(parsed.sent_at, now)
    session.add(
        WhatsAppMessage(
            message_id=message.id,
            number_id=number.id,
            kind=parsed.kind[:20],
            sent_at=parsed.sent_at,
            details=parsed.details or None,
        )
    )
    identity.link(
        session,
        message.author_contact or message.ticket.contact,
        wa_id=parsed.wa_id,
        user_id=parsed.user_id,
        now=now,
    )
    for ref in parsed.media:
        media.add(session, message, number, ref, now=now)
    session.flush()
    if result.action == "created":
        acknowledge(session, message.ticket, number, locale=settings.default_locale, now=now)
    return result.action


def _subject(parsed: Parsed) -> str:
    first_line = parsed.text.strip().splitlines()[0] if parsed.text.strip() else ""
    return first_line[:80] or f"WhatsApp · {parsed.kind}"


def _thread_id(session: Session, context_id: str | None) -> str | None:
    """The id intake threads on: a wamid of any part we sent means that whole message."""
    if not context_id:
        return None
    external_id = session.scalar(
        select(Message.external_id)
        .join(WhatsAppSentPart, WhatsAppSentPart.message_id == Message.id)
        .where(WhatsAppSentPart.wamid == context_id)
    )
    return external_id or context_id
