"""Writes that set up an organisation across packages: which mailboxes and WhatsApp
numbers feed a queue. Services flush; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from helpdesk.queues.models import Queue


def set_channels(
    session: Session,
    queue: Queue,
    *,
    mailbox_ids: list[int],
    number_ids: list[int],
    actor: Actor,
    now: datetime,
) -> None:
    """Point exactly these mailboxes and WhatsApp numbers at the queue; the ones that
    pointed here and are not chosen any more point nowhere (the routing rules decide)."""
    before = _channels(session, queue)
    for model, chosen in ((Mailbox, set(mailbox_ids)), (WhatsAppNumber, set(number_ids))):
        for row in session.scalars(select(model)):
            if row.id in chosen:
                row.queue_id = queue.id
            elif row.queue_id == queue.id:
                row.queue_id = None
    session.flush()
    after = _channels(session, queue)
    if before != after:
        record(session, actor, "queue.channels_changed", queue, now=now, before=before, after=after)


def _channels(session: Session, queue: Queue) -> dict[str, list[str]]:
    return {
        "mailboxes": sorted(
            session.scalars(select(Mailbox.name).where(Mailbox.queue_id == queue.id))
        ),
        "whatsapp_numbers": sorted(
            session.scalars(select(WhatsAppNumber.name).where(WhatsAppNumber.queue_id == queue.id))
        ),
    }
