"""Collection accounts and the debtor's channel permissions (consents and opt-outs)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.contacts.models import Contact


class CollectionAccount(db.Model):
    """A debt under collection, kept in sync from the creditor's collection system."""

    __tablename__ = "collection_accounts"
    __table_args__ = (UniqueConstraint("creditor", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), index=True)
    creditor: Mapped[str] = mapped_column(String(120))
    portfolio: Mapped[str] = mapped_column(String(120), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    days_past_due: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(30), default="active")
    next_due_date: Mapped[date | None] = mapped_column(Date)
    # Marks set by tickets (e.g. "under_review" while a data correction is pending).
    flags: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contact: Mapped[Contact | None] = relationship()


class ChannelOptOut(db.Model):
    """A debtor said "stop" on a channel (or on all: ``channel`` = "all"). Permanent."""

    __tablename__ = "channel_opt_outs"
    __table_args__ = (UniqueConstraint("contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


CONSENT_CHANNELS = ("email", "whatsapp")
CONSENT_SOURCES = ("api", "import", "portal", "agent")


class ChannelConsent(db.Model):
    """The debtor authorised reminders on ``channel`` (Colombia, Ley 2300 de 2023: only
    channels the debtor authorised). Checked at send time when the country's contact rule
    ``requires_consent``; an opt-out still wins over a consent."""

    __tablename__ = "channel_consents"
    __table_args__ = (UniqueConstraint("contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # email | whatsapp
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20))  # api | import | portal | agent
