from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.attachments import storage
from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

if TYPE_CHECKING:
    from helpdesk.queues.models import Queue
    from helpdesk.tickets.models import Message, Ticket


class Mailbox(db.Model):
    """An IMAP folder we read debtors' mail from, and the SMTP account we answer with."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    email_address: Mapped[str] = mapped_column(String(254))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)

    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int] = mapped_column(default=993)
    imap_security: Mapped[str] = mapped_column(String(10), default="ssl")  # ssl|starttls|none
    imap_user: Mapped[str] = mapped_column(String(255))
    # The password: the name of an environment variable, or encrypted with the secret key.
    imap_password_env: Mapped[str | None] = mapped_column(String(100))
    imap_password_encrypted: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed_folder: Mapped[str | None] = mapped_column(String(255))

    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(default=587)
    smtp_security: Mapped[str] = mapped_column(String(10), default="starttls")
    smtp_user: Mapped[str | None] = mapped_column(String(255))
    smtp_password_env: Mapped[str | None] = mapped_column(String(100))
    smtp_password_encrypted: Mapped[str | None] = mapped_column(Text)

    # The IMAP cursor: only UIDs above last_uid in this UIDVALIDITY are new.
    # IMAP UIDs and UIDVALIDITY go up to 2**32 - 1: a signed 32-bit column is not enough.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    queue: Mapped[Queue | None] = relationship()


class InboundEmail(db.Model):
    """Every raw message we read, kept with what became of it.

    One row per (mailbox, uidvalidity, uid): inserting it in the same transaction as the
    ticket change is what makes a crash before the IMAP move a harmless replay.
    Quarantined messages are rows with ``action == "quarantined"`` and their reason.
    The bytes are in ``raw``, committed with the row; rows from before it have them in
    the file store under ``sha256`` (:func:`raw_bytes` reads either).
    """

    __tablename__ = "inbound_emails"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "uidvalidity", "uid"),
        Index("ix_inbound_emails_action_received_at", "action", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id", ondelete="SET NULL"))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id_header: Mapped[str | None] = mapped_column(String(255), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(255))  # "imap:NAME" or "file:NAME"
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Loaded only when asked for: lists of rows never carry the mail itself.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    mailbox: Mapped[Mailbox | None] = relationship()
    # Set as objects, not ids, so one flush orders the INSERTs (a group's ids are reserved).
    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()


def raw_bytes(row: InboundEmail, attachments: Path) -> bytes:
    """The message as it was received, wherever it is kept (``attachments``: the file
    store's directory, where rows from before ``raw`` kept it)."""
    if row.raw is not None:
        return row.raw
    return storage.read(row.sha256, attachments)  # a row from before ``raw``: the file store
