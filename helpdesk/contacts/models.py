from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"  # E.164
    WHATSAPP = "whatsapp"  # business-scoped user id when no phone is known


class Contact(db.Model):
    """A debtor (or someone writing for one). Reached through one or more identities."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(10), default="es")
    timezone: Mapped[str | None] = mapped_column(String(64))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # The national id (CURP, RFC, cédula, DNI) is never stored in clear: a keyed hash to
    # match on and the last characters to show.
    national_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    national_id_masked: Mapped[str | None] = mapped_column(String(32))
    # Asked by the portal's account sign-in for creditors configured with "birth_date".
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    identities: Mapped[list[ContactIdentity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactIdentity.id"
    )

    def identity(self, kind: IdentityKind) -> str | None:
        """The first identity of ``kind`` (the primary one), if any."""
        return next((i.value for i in self.identities if i.kind == kind), None)

    @property
    def email(self) -> str | None:
        return self.identity(IdentityKind.EMAIL)

    @property
    def phone(self) -> str | None:
        return self.identity(IdentityKind.PHONE)

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"#{self.id}"


class ContactIdentity(db.Model):
    """One address a contact is known by; unique across contacts."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(254))
    is_verified: Mapped[bool] = mapped_column(default=False)
    # Set when mail to this address bounced permanently; shown to agents, skipped by reminders.
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_reason: Mapped[str | None] = mapped_column(String(500))

    contact: Mapped[Contact] = relationship(back_populates="identities")
