"""Data-rights requests (access, rectification, opposition) and the data exports made
for them.

A request is a ticket of type ``data_rights``; ``data_rights_requests`` adds what a tag
cannot carry: which right, under which country's law, and its particulars (what is wrong
and what is right for a correction, the channel for an opposition). The SLA policy is
chosen by the legal-basis tag the request puts on the ticket (``sla_policies.tag``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.contacts.models import Contact
    from helpdesk.tickets.models import Ticket


class RightKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    OPPOSITION = "opposition"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DataRightsRequest(db.Model):
    """One request of a debtor over their personal data (one ticket)."""

    __tablename__ = "data_rights_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    # The tag that chose the SLA policy (the law and the right), e.g. "habeas-data-reclamo".
    legal_basis: Mapped[str] = mapped_column(String(60))
    # rectification: {"wrong": ..., "right": ...}; opposition: {"channel": ...}
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    contact: Mapped[Contact] = relationship()


class DataExport(db.Model):
    """A copy of everything we hold on one contact, made by a job (JSON and PDF in the
    attachment store); ``delivered_at`` set: the contact may download it on the portal."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=ExportStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    messages_done: Mapped[int] = mapped_column(Integer, default=0)
    messages_total: Mapped[int] = mapped_column(Integer, default=0)
    json_sha256: Mapped[str | None] = mapped_column(String(64))
    json_size: Mapped[int | None] = mapped_column(BigInteger)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    contact: Mapped[Contact] = relationship()
