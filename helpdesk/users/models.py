from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, Text
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
    signature: Mapped[str] = mapped_column(Text, default="", server_default="")
    capacity: Mapped[int] = mapped_column(default=20)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing it logs the user out everywhere (password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(64))
    # Two-factor (TOTP, RFC 6238): the secret sealed with the app's key; enabled once the
    # user has proved a code from it. The last time step used stops a code's replay.
    totp_secret: Mapped[str | None] = mapped_column(String(300))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]

    queues: Mapped[list[Queue]] = relationship(secondary=user_queues, back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_user

    # The sign-in this request belongs to (set by the session loader, not stored).
    sign_in_token: str = ""

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.sign_in_token}"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, role: Role) -> bool:
        """True when the user's role is ``role`` or a higher one."""
        return Role(self.role).rank >= role.rank


class RecoveryCode(db.Model):
    """One of ten single-use codes that stand in for a lost authenticator. Only a hash is
    kept: the codes are random (50 bits), so SHA-256 is enough and keeps checking cheap."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RolePolicy(db.Model):
    """What an admin requires of every user with a role (today: two-factor sign-in)."""

    __tablename__ = "role_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20), unique=True)
    requires_two_factor: Mapped[bool] = mapped_column(default=False)


class PasswordReset(db.Model):
    """A single-use link to set a new password, sent by email. Only the SHA-256 of its
    random token is kept (256 bits: nothing to brute-force). A newer link, use or the
    expiry (an hour) ends it."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a newer link replaced this one before it was used.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
