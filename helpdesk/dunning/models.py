from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
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
