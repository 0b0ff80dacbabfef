"""Report subscriptions and their deliveries: a manager's weekly or monthly report by email.

A delivery row is claimed *before* anything is sent, and the unique key (subscription,
scheduled period) makes a second claim of the same period fail in the database, so two
schedulers running at once send each period exactly once. Manual "send now" deliveries
have no scheduled period (NULL is never equal to NULL in a unique key), so they never
block or repeat a scheduled one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db
from helpdesk.users.models import User

FREQUENCIES = ("weekly", "monthly")


class ReportSubscription(db.Model):
    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(10))  # weekly | monthly
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ReportDelivery(db.Model):
    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"), index=True
    )
    # The first day of the scheduled period; NULL for a "send now".
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[ReportSubscription] = relationship()
