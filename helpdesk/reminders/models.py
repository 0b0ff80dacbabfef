"""Payment reminders: schedules and their steps, contact rules by country, the send log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db


class ReminderSchedule(db.Model):
    """The payment reminders of one portfolio: steps around each account's next due date.

    ``country`` picks the contact rule (hours, holidays, caps). It lives here, not on the
    account, because a portfolio is one jurisdiction's book and an admin sets it once;
    the currency would guess wrong for USD portfolios in Mexico or Argentina.
    """

    __tablename__ = "reminder_schedules"
    __table_args__ = (UniqueConstraint("creditor", "portfolio"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor: Mapped[str] = mapped_column(String(120))
    portfolio: Mapped[str] = mapped_column(String(120), default="")
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), default="MX")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    steps: Mapped[list[ReminderStep]] = relationship(
        back_populates="schedule",
        cascade="all, delete-orphan",
        order_by="(ReminderStep.offset_days, ReminderStep.id)",
    )


class ReminderStep(db.Model):
    """One reminder: ``offset_days`` from the due date (negative before, 0 on the day).

    WhatsApp steps name an approved template (body parameters: name, account number,
    balance, due date); email steps may carry their own subject and body (``{name}``,
    ``{number}``, ``{amount}``, ``{due_date}``), else the translated defaults are used.
    """

    __tablename__ = "reminder_steps"
    __table_args__ = (UniqueConstraint("schedule_id", "offset_days", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_schedules.id", ondelete="CASCADE"), index=True
    )
    offset_days: Mapped[int] = mapped_column(default=0)
    channel: Mapped[str] = mapped_column(String(20))  # email | whatsapp
    template_name: Mapped[str | None] = mapped_column(String(120))
    template_language: Mapped[str | None] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)

    schedule: Mapped[ReminderSchedule] = relationship(back_populates="steps")

    @property
    def key(self) -> str:
        """How scripts and the CLI name a step: ``D-3/whatsapp``, ``D+0/email``."""
        return f"D{self.offset_days:+d}/{self.channel}"


class ContactRule(db.Model):
    """When a country's debtors may be contacted (admin-configurable; defaults in code).

    ``weekly_hours`` uses the business-calendar shape: ``{"mon": [["07:00", "22:00"]]}``.
    """

    __tablename__ = "contact_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    skip_holidays: Mapped[bool] = mapped_column(default=False, server_default=false())
    max_per_day: Mapped[int | None] = mapped_column()
    max_per_week: Mapped[int | None] = mapped_column()
    max_channels_per_week: Mapped[int | None] = mapped_column()
    # Reminders only on channels the debtor authorised (a ``ChannelConsent``).
    requires_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderDispatch(db.Model):
    """The send log: one row per reminder occurrence (account, step, due date).

    The row is updated as the occurrence moves (deferred, skipped while held, then sent),
    and the unique constraint makes a second "sent" for the same occurrence impossible,
    even from two racing workers. Every transition is also an audit event.
    """

    __tablename__ = "reminder_dispatches"
    __table_args__ = (
        UniqueConstraint("account_id", "step_id", "due_date"),
        Index("ix_reminder_dispatches_account_id_at", "account_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("collection_accounts.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_steps.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # sent | deferred | skipped | failed
    reason: Mapped[str | None] = mapped_column(String(500))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(200))

    step: Mapped[ReminderStep] = relationship()
