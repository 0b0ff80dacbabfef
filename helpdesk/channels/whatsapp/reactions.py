"""Reactions: the emoji a person puts on a message, shown on that message.

One row per (message reacted to, person); a newer reaction replaces an older one, an
empty emoji removes it, and an older reaction arriving late changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.channels.whatsapp.models import WhatsAppReaction
from helpdesk.channels.whatsapp.parse import Parsed
from helpdesk.intake.inbound import fit_id
from helpdesk.tickets.models import Message


def apply(session: Session, parsed: Parsed, *, now: datetime) -> str:
    """Store or remove one reaction; returns what happened."""
    if not parsed.reaction_to:
        return "ignored"
    target, sender = fit_id(parsed.reaction_to), (parsed.wa_id or parsed.user_id or "?")[:160]
    at = parsed.sent_at or now
    row = session.scalar(
        select(WhatsAppReaction).where(
            WhatsAppReaction.target_wamid == target, WhatsAppReaction.sender == sender
        )
    )
    if row is not None and (row.wamid == parsed.wamid or row.reacted_at > at):
        return "duplicate"
    if row is None:
        row = WhatsAppReaction(target_wamid=target, sender=sender)
        session.add(row)
    row.emoji, row.wamid, row.reacted_at = parsed.emoji, fit_id(parsed.wamid), at
    session.flush()
    _audit(session, row, now=now)
    return "reaction_removed" if parsed.emoji is None else "reaction"


def _audit(session: Session, row: WhatsAppReaction, *, now: datetime) -> None:
    message = session.scalar(select(Message).where(Message.external_id == row.target_wamid))
    record(
        session,
        Actor.system("whatsapp"),
        "whatsapp.reaction",
        row,
        now=now,
        ticket_id=message.ticket_id if message else None,
        after={"emoji": row.emoji},
    )


def for_messages(session: Session, wamids: list[str]) -> dict[str, list[str]]:
    """The emoji on each of these wamids (removed reactions left out)."""
    if not wamids:
        return {}
    rows = session.scalars(
        select(WhatsAppReaction)
        .where(WhatsAppReaction.target_wamid.in_(wamids), WhatsAppReaction.emoji.is_not(None))
        .order_by(WhatsAppReaction.reacted_at)
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.target_wamid, []).append(row.emoji or "")
    return found
