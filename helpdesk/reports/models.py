"""Report subscriptions and their deliveries (a manager's weekly or monthly report by
email), and ``report_tickets``, the narrow copy of the tickets the report counts.

A delivery row is claimed *before* anything is sent, and the unique key (subscription,
scheduled period) makes a second claim of the same period fail in the database, so two
schedulers running at once send each period exactly once. Manual "send now" deliveries
have no scheduled period (NULL is never equal to NULL in a unique key), so they never
block or repeat a scheduled one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, text
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


class ReportTicket(db.Model):
    """One row a ticket with what the SLA report groups, filters and measures by, its two
    clocks side by side (first response, resolution): the report reads this narrow table
    instead of joining ``tickets`` to ``ticket_deadlines``.

    Written only by database triggers on ``tickets`` and ``ticket_deadlines`` (migration
    0029), never by the application: every write path keeps it, bulk ones included.
    ``id`` is the ticket's id. :func:`helpdesk.reports.services.refill_report_tickets`
    rebuilds it from the source tables."""

    __tablename__ = "report_tickets"
    __table_args__ = (
        # The few merged tickets: an unfiltered report leaves their holds and outcomes out
        # by asking this index instead of joining every ticket (figures.Figures._counted).
        Index(
            "ix_report_tickets_merged",
            "id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
            sqlite_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    queue_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    merged_into_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_minutes: Mapped[float | None]
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_minutes: Mapped[float | None]
