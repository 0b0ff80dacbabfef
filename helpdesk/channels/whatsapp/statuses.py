"""Delivery statuses of our outgoing messages: kept once per (wamid, status), applied
monotonically (``delivered`` after ``read`` changes nothing; ``failed`` is final).

A status may arrive before our send call has returned its wamid. It is stored anyway
(``message_id`` empty) and applied when the send job records the wamid. Both sides look
again after their commit, so whichever commits second applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppSentPart, WhatsAppStatus
from helpdesk.channels.whatsapp.parse import status_error, timestamp
from helpdesk.tickets.models import Message
from helpdesk.tickets.services import mark_delivery_failed
from helpdesk.tickets.vocabulary import Delivery

RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4}
KNOWN = (*RANK, "failed")


def store(session: Session, status: dict[str, Any], *, now: datetime) -> WhatsAppStatus | None:
    """Keep one status webhook item; None when it is a duplicate or not a status."""
    wamid, name = str(status.get("id") or ""), str(status.get("status") or "")
    if not wamid or name not in KNOWN:
        return None
    exists = session.scalar(
        select(WhatsAppStatus.id).where(
            WhatsAppStatus.wamid == wamid, WhatsAppStatus.status == name
        )
    )
    if exists is not None:
        return None
    code, title, details = status_error(status)
    row = WhatsAppStatus(
        wamid=wamid[:255],
        status=name,
        occurred_at=timestamp(status.get("timestamp")) or now,
        recipient=str(status.get("recipient_id") or status.get("recipient_user_id") or "")[:160]
        or None,
        error_code=code,
        error_title=(title or "")[:500] or None,
        error_details=(details or "")[:1000] or None,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row


def apply_pending(session: Session, wamids: Iterable[str], *, now: datetime) -> int:
    """Apply the stored, not yet applied statuses of these wamids whose message we know."""
    wamids = list(dict.fromkeys(wamids))
    if not wamids:
        return 0
    parts = dict(
        session.execute(
            select(WhatsAppSentPart.wamid, WhatsAppSentPart.message_id).where(
                WhatsAppSentPart.wamid.in_(wamids)
            )
        ).all()
    )
    rows = session.scalars(
        select(WhatsAppStatus)
        .where(WhatsAppStatus.wamid.in_(list(parts)), WhatsAppStatus.applied_at.is_(None))
        .order_by(WhatsAppStatus.occurred_at, WhatsAppStatus.id)
    ).all()
    for row in rows:
        message = session.get(Message, parts[row.wamid])
        if message is not None:
            _apply(session, row, message, now=now)
    session.flush()
    return len(rows)


def _apply(session: Session, row: WhatsAppStatus, message: Message, *, now: datetime) -> None:
    row.message_id, row.applied_at = message.id, now
    if row.status == "failed":
        _fail(session, row, message, now=now)
    else:
        advance(session, message, row.status, now=now)


def advance(session: Session, message: Message, status: str, *, now: datetime) -> bool:
    """Move the message forward to ``status``; never backwards, never out of ``failed``."""
    current = message.delivery_status or "queued"
    if current == Delivery.SENDING:  # claimed by a sender: not sent as far as we know
        current = "queued"
    if current == Delivery.FAILED or RANK.get(status, -1) <= RANK.get(current, -1):
        return False
    message.delivery_status = status
    if status != "sent":
        message.delivery_error = None
    record(
        session,
        Actor.system("whatsapp"),
        "message.delivery_status",
        message,
        now=now,
        ticket_id=message.ticket_id,
        before={"delivery": current},
        after={"delivery": status},
    )
    return True


def _fail(session: Session, row: WhatsAppStatus, message: Message, *, now: datetime) -> None:
    if message.delivery_status == Delivery.FAILED:
        return
    reason = " ".join(str(p) for p in (row.error_code, row.error_title) if p) or "failed"
    if row.error_details:
        reason = f"{reason}: {row.error_details}"
    extra = session.get(WhatsAppMessage, message.id)
    if extra is not None:
        extra.error_code, extra.error_title = row.error_code, row.error_title
    mark_delivery_failed(session, message, reason, now=now)
