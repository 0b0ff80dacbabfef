"""SLA data: business calendars as configuration, policies, per-ticket deadlines, notices.

``ticket_deadlines`` holds one row per (ticket, target) so the sweep is one set-based
UPDATE over one indexed table: a row is *running* while ``met_at``, ``breached_at`` and
``paused_since`` are all empty, and the partial indexes cover exactly those rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.queues.models import Queue
    from helpdesk.tickets.models import Ticket


class Target(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class Unit(StrEnum):
    BUSINESS_MINUTES = "business_minutes"
    BUSINESS_DAYS = "business_days"
    CALENDAR_DAYS = "calendar_days"


class SlaCalendar(db.Model):
    """A named business calendar; ``config`` is ``BusinessCalendar.to_config()``."""

    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlaPolicy(db.Model):
    """Targets for a queue, optionally only for one priority and/or one ticket type,
    and optionally only for tickets carrying one tag (a data-rights request's legal
    basis, e.g. ``habeas-data-reclamo``: the law's deadline depends on the debtor's
    country and the right, which neither the queue nor the type says).

    The most specific policy wins: a tagged policy whose tag the ticket carries, then
    queue + priority + type, then queue + type, then queue + priority, then the queue
    alone. A target left empty is not measured.
    """

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("queue_id", "priority", "ticket_type", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    priority: Mapped[str | None] = mapped_column(String(20))
    ticket_type: Mapped[str | None] = mapped_column(String(40))
    tag: Mapped[str | None] = mapped_column(String(60))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id"))
    first_response_amount: Mapped[int | None] = mapped_column(Integer)
    first_response_unit: Mapped[str] = mapped_column(String(20), default=Unit.BUSINESS_MINUTES)
    next_response_amount: Mapped[int | None] = mapped_column(Integer)
    next_response_unit: Mapped[str] = mapped_column(String(20), default=Unit.BUSINESS_MINUTES)
    resolution_amount: Mapped[int | None] = mapped_column(Integer)
    resolution_unit: Mapped[str] = mapped_column(String(20), default=Unit.BUSINESS_MINUTES)
    warning_percent: Mapped[int] = mapped_column(default=80)
    # What a breach does: notify the assignee and the queue's supervisors, raise the
    # priority one step, move the ticket to another queue (any combination).
    escalate_notify: Mapped[bool] = mapped_column(default=True, server_default=true())
    escalate_raise_priority: Mapped[bool] = mapped_column(default=False, server_default=false())
    escalate_queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("queues.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    queue: Mapped[Queue] = relationship(foreign_keys=[queue_id])
    escalate_queue: Mapped[Queue | None] = relationship(foreign_keys=[escalate_queue_id])
    calendar: Mapped[SlaCalendar] = relationship()

    def target(self, target: Target) -> tuple[int | None, Unit]:
        """The amount and unit of one target (amount None: not measured)."""
        amount = getattr(self, f"{target.value}_amount")
        return amount, Unit(getattr(self, f"{target.value}_unit"))


_RUNNING = "met_at IS NULL AND breached_at IS NULL AND paused_since IS NULL"
_NOT_MET = "met_at IS NULL AND paused_since IS NULL"


class TicketDeadline(db.Model):
    """One clock of one ticket: when it is due, and what became of it."""

    __tablename__ = "ticket_deadlines"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target"),
        # The sweep reads only running rows; these partial indexes hold nothing else.
        Index(
            "ix_ticket_deadlines_running_due_at",
            "due_at",
            postgresql_where=text(_RUNNING),
            sqlite_where=text(_RUNNING),
        ),
        Index(
            "ix_ticket_deadlines_running_warn_at",
            "warn_at",
            postgresql_where=text(f"{_RUNNING} AND warned_at IS NULL"),
            sqlite_where=text(f"{_RUNNING} AND warned_at IS NULL"),
        ),
        # The SLA report's breach list: the earliest deadlines of a period (0029).
        Index("ix_ticket_deadlines_due_at", "due_at"),
        # The inbox's "SLA at risk" and nearest-deadline order: every clock still due,
        # overdue ones included, soonest first (migration 0022).
        Index(
            "ix_ticket_deadlines_open_due_at",
            "due_at",
            "ticket_id",
            postgresql_where=text(_NOT_MET),
            sqlite_where=text(_NOT_MET),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Time the clock stood still, in the target's own minutes (working minutes for
    # business targets, elapsed minutes for calendar days); already added to due_at.
    paused_minutes: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Reports: how long the target took once met (business time for business targets,
    # pauses left out), and who held the ticket when the deadline was crossed.
    used_minutes: Mapped[float | None] = mapped_column(Float)
    breach_assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    policy: Mapped[SlaPolicy | None] = relationship()


class Notification(db.Model):
    """An in-app notice to a staff user (SLA warnings, breaches, reassignments, mentions)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    # sla.warning | sla.breached | reassigned | mention
    kind: Mapped[str] = mapped_column(String(30))
    target: Mapped[str | None] = mapped_column(String(20))
    # The note a mention is in: its author and first words are the notice, its anchor the link.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
