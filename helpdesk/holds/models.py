"""Holds on accounts while a dispute is pending, what each ticket type does, and outcomes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.accounts.models import CollectionAccount
    from helpdesk.tickets.models import Ticket


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
    __table_args__ = (
        Index("ix_holds_account_id_closed_at", "account_id", "closed_at"),
        # Reports: holds ended in a period (migration 0018).
        Index("ix_holds_closed_at", "closed_at"),
        # The inbox's "collection paused" view: the tickets holding accounts now (0022).
        Index(
            "ix_holds_open_ticket_id",
            "ticket_id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
    )

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
    # Reports: outcomes recorded in a period (migration 0018).
    __table_args__ = (Index("ix_ticket_outcomes_recorded_at", "recorded_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(20))  # favourable | unfavourable | partial
    adjusted_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    closes_account: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
