from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.queues.models import Queue


class Role(StrEnum):
    """Staff roles, each including the powers of the ones before it."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


user_queues = Table(
    "user_queues",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("queue_id", ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A member of staff who signs in to the inbox."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.AGENT.value)
    locale: Mapped[str] = mapped_column(String(10), default="es_MX")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Mexico_City")
    is_active_user: Mapped[bool] = mapped_column(default=True)
    is_available: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(default=20)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing it logs the user out everywhere (password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(64))

    queues: Mapped[list[Queue]] = relationship(secondary=user_queues, back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_user

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: Role) -> bool:
        """True when the user's role is ``role`` or a higher one."""
        return Role(self.role).rank >= role.rank
