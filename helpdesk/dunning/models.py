from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contact: Mapped[Contact | None] = relationship()
