"""Reads for the mail administration screens: mailboxes and the quarantine."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.channels.email.models import InboundEmail, Mailbox


def mailbox_by_id(session: Session, mailbox_id: int) -> Mailbox | None:
    return session.get(Mailbox, mailbox_id)


def inbound_email_by_id(session: Session, row_id: int) -> InboundEmail | None:
    return session.get(InboundEmail, row_id)


def quarantined(session: Session, *, limit: int = 500) -> list[InboundEmail]:
    return list(
        session.scalars(
            select(InboundEmail)
            .where(InboundEmail.action == "quarantined")
            .order_by(InboundEmail.received_at.desc())
            .limit(limit)
        )
    )
