"""Sending an agent's WhatsApp reply: the job, its parts, the failure the agent sees.

``send_whatsapp_job(message_id)`` is the RQ entry (ids only). A reply goes out as parts —
its text (or template), then one media message per attachment — and each part's wamid is
recorded as soon as Meta accepts it, so a retry never sends a part twice. 131047 (outside
the 24-hour window) is never retried; rate limits (130429, 131056) back off 4^n seconds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from rq import Retry, get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import clock, events
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.channels.whatsapp import numbers, statuses
from helpdesk.channels.whatsapp.client import GraphError, Recipient, WhatsAppClient
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppNumber, WhatsAppSentPart
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.jobs import enqueue_after_commit
from helpdesk.receipts.services import attach_acuse
from helpdesk.tickets import delivery
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.services import mark_delivery_failed
from helpdesk.tickets.vocabulary import Channel, Delivery, Direction

log = logging.getLogger(__name__)
SEND_RETRY = Retry(max=4, interval=[4, 16, 64, 256])  # 4^n seconds
MEDIA_TYPES = {
    "image/jpeg": "image",
    "image/png": "image",
    "video/mp4": "video",
    "video/3gpp": "video",
    "audio/aac": "audio",
    "audio/mp4": "audio",
    "audio/mpeg": "audio",
    "audio/amr": "audio",
    "audio/ogg": "audio",
}


def send_whatsapp_job(message_id: int) -> None:
    """The job's name RQ and ``tickets.delivery.SENDERS`` hold; the job is
    ``channels.whatsapp.jobs.send_whatsapp_job``."""
    from helpdesk.channels.whatsapp import jobs

    jobs.send_whatsapp_job(message_id)


def send_message(
    session: Session, message: Message, *, settings: WhatsAppSettings, now: datetime
) -> list[str]:
    """Send the parts not sent yet; returns every wamid the message has."""
    ticket = message.ticket
    number = number_for_ticket(session, ticket, settings)
    if number is None:
        raise numbers.NumberError("number", "no WhatsApp number is configured")
    client = numbers.client_for(number, settings)
    extra = _extra(session, message, number)
    sent = {p.part: p.wamid for p in _parts(session, message)}
    # An acknowledgement carries the acuse as a document (once, before any part); the
    # other automatic messages (a rating request, its thanks) do not.
    if not sent and not (extra.details or {}).get("rating"):
        attach_acuse(
            session, message, actor=Actor.system("whatsapp"), now=now, settings=settings.receipts
        )
    if len(sent) > len(message.attachments):
        return list(sent.values())  # every part went out already: running twice is harmless
    to = recipient(ticket.contact)
    if 0 not in sent:
        sent[0] = _record(session, message, 0, _send_first(client, to, message, extra), now=now)
    for index, attachment in enumerate(message.attachments, start=1):
        if index not in sent:
            wamid = _send_attachment(client, to, attachment, settings.intake.attachments)
            sent[index] = _record(session, message, index, wamid, now=now)
    statuses.advance(session, message, Delivery.SENT.value, now=now)
    message.delivery_error = None
    delivery.done(message)
    record(
        session,
        Actor.system("whatsapp"),
        "message.sent",
        message,
        now=now,
        ticket_id=message.ticket_id,
        after={"wamids": len(sent)},
    )
    return list(sent.values())


def _send_first(
    client: WhatsAppClient, to: Recipient, message: Message, extra: WhatsAppMessage
) -> str:
    if extra.kind == "template" and extra.template_name:
        return client.send_template(
            to,
            extra.template_name,
            extra.template_language or "es_MX",
            extra.template_parameters or [],
        )
    if extra.kind == "interactive" and (extra.details or {}).get("interactive"):
        return client.send_interactive(to, extra.details["interactive"])  # a rating list
    return client.send_text(to, message.text[:4096])


def _send_attachment(
    client: WhatsAppClient, to: Recipient, attachment: Attachment, store: Path
) -> str:
    content_type = attachment.content_type.split(";")[0].strip().lower()
    kind = MEDIA_TYPES.get(content_type, "document")
    media_id = client.upload_media(
        storage.read(attachment.sha256, store),
        content_type or "application/octet-stream",
        attachment.filename,
    )
    return client.send_media(to, kind, media_id, filename=attachment.filename)


def _record(session: Session, message: Message, part: int, wamid: str, *, now: datetime) -> str:
    session.add(
        WhatsAppSentPart(message_id=message.id, part=part, wamid=wamid[:255], created_at=now)
    )
    if part == 0 and not message.external_id:
        message.external_id = wamid[:255]
    session.flush()
    return wamid


def _parts(session: Session, message: Message) -> list[WhatsAppSentPart]:
    return list(
        session.scalars(select(WhatsAppSentPart).where(WhatsAppSentPart.message_id == message.id))
    )


def _extra(session: Session, message: Message, number: WhatsAppNumber) -> WhatsAppMessage:
    extra = session.get(WhatsAppMessage, message.id)
    if extra is None:
        extra = WhatsAppMessage(message_id=message.id, kind="text", number_id=number.id)
        session.add(extra)
    extra.number_id = extra.number_id or number.id
    return extra


def number_for_ticket(
    session: Session, ticket: Ticket, settings: WhatsAppSettings
) -> WhatsAppNumber | None:
    """The number the debtor last wrote to on this ticket, else the default number."""
    number = session.scalar(
        select(WhatsAppNumber)
        .join(WhatsAppMessage, WhatsAppMessage.number_id == WhatsAppNumber.id)
        .join(Message, Message.id == WhatsAppMessage.message_id)
        .where(Message.ticket_id == ticket.id, Message.direction == Direction.IN.value)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return number or numbers.default_number(session, settings)


def recipient(contact: Contact) -> Recipient:
    return Recipient(phone=contact.phone, user_id=contact.identity(IdentityKind.WHATSAPP))


def failed(session: Session, message: Message, error: GraphError) -> None:
    """Retry later (raising, in an RQ job with retries left) or mark the message failed."""
    job = get_current_job()
    if error.is_temporary and job is not None and job.retries_left:
        index = min(max(SEND_RETRY.max - job.retries_left, 0), len(SEND_RETRY.intervals) - 1)
        delivery.retry_later(
            message,
            due_at=clock.now() + timedelta(seconds=SEND_RETRY.intervals[index]),
            error=f"retrying: {error.describe()}",
        )
        session.commit()  # the parts already sent stay recorded
        raise error  # RQ tries again after 4^n seconds
    extra = session.get(WhatsAppMessage, message.id)
    if extra is not None:
        extra.error_code, extra.error_title = error.code, (error.title or str(error))[:500]
    log.warning("whatsapp message %s not sent: %s", message.id, error.describe())
    mark_delivery_failed(session, message, error.describe(), now=clock.now())
    session.commit()


def as_graph_error(error: Exception) -> GraphError:
    return error if isinstance(error, GraphError) else GraphError(str(error), http_status=400)


def queue_send(session: Session, message: Message) -> None:
    delivery.schedule(message, now=clock.now())  # durable: the sweep sends it if the job is lost
    enqueue_after_commit(session, send_whatsapp_job, message.id, queue="default", retry=SEND_RETRY)


def _on_reply_queued(ticket: Ticket, *, session: Session, message: Message, **_: object) -> None:
    if ticket.channel == Channel.WHATSAPP:
        queue_send(session, message)


def connect() -> None:
    events.reply_queued.connect(_on_reply_queued)
