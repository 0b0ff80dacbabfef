from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.contacts.models import Contact
    from helpdesk.tickets.models import Ticket


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


class TicketTypeEffect(db.Model):
    """What opening a ticket of a type does to the linked accounts (admin-configurable).

    ``effect``: ``hold`` (no reminders; ``channel`` set = that channel only), ``flag``
    (a mark such as "under review" on the account), ``suppress`` (the contact opted out of
    ``channel`` — or of every channel — for good) or ``none``.
    """

    __tablename__ = "ticket_type_effects"

    ticket_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    effect: Mapped[str] = mapped_column(String(20), default="none")
    channel: Mapped[str | None] = mapped_column(String(20))
    flag: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Hold(db.Model):
    """Reminders for an account stop while one of its holds is open."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_account_id_closed_at", "account_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("collection_accounts.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    ticket_type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))  # None: every channel
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # Reminders come back only after the grace period that follows the close.
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[CollectionAccount] = relationship()
    ticket: Mapped[Ticket] = relationship()


class TicketOutcome(db.Model):
    """How a dispute ended, as the agent recorded it when resolving."""

    __tablename__ = "ticket_outcomes"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(20))  # favourable | unfavourable | partial
    adjusted_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    closes_account: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelOptOut(db.Model):
    """A debtor said "stop" on a channel (or on all: ``channel`` = "all"). Permanent."""

    __tablename__ = "channel_opt_outs"
    __table_args__ = (UniqueConstraint("contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
