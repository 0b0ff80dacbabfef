from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db
from helpdesk.tickets.vocabulary import Priority, Status

if TYPE_CHECKING:
    from helpdesk.accounts.models import CollectionAccount
    from helpdesk.contacts.models import Contact
    from helpdesk.queues.models import Queue
    from helpdesk.users.models import User


ticket_accounts = Table(
    "ticket_accounts",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "account_id", ForeignKey("collection_accounts.id", ondelete="CASCADE"), primary_key=True
    ),
)


class FolioSequence(db.Model):
    """The last folio number handed out in a year (folios restart every year)."""

    __tablename__ = "folio_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_last_activity_at", "status", "last_activity_at"),
        Index("ix_tickets_queue_id_status", "queue_id", "status"),
        Index("ix_tickets_assignee_id_status", "assignee_id", "status"),
        # Reports: tickets opened or resolved in a period (migration 0018).
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
        # The inbox's views page by latest activity (keyset), everything or one person's
        # or one queue's (migration 0022).
        Index("ix_tickets_last_activity_at_id", "last_activity_at", "id"),
        Index("ix_tickets_assignee_id_last_activity_at", "assignee_id", "last_activity_at"),
        Index("ix_tickets_queue_id_last_activity_at", "queue_id", "last_activity_at"),
        # "Open disputes": the type is the filter collections staff use most (0022).
        Index("ix_tickets_type_status", "type", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    folio: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value)
    priority: Mapped[str] = mapped_column(String(20), default=Priority.NORMAL.value)
    channel: Mapped[str] = mapped_column(String(20))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # A new ticket opened by a reply to a closed one points back at it.
    related_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    queue: Mapped[Queue | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    contact: Mapped[Contact] = relationship()
    accounts: Mapped[list[CollectionAccount]] = relationship(
        secondary=ticket_accounts, order_by="CollectionAccount.number"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.created_at, Message.id"
    )
    participants: Mapped[list[Contact]] = relationship(secondary="ticket_participants")


class Message(db.Model):
    """One message of a conversation: from the debtor (in), to them (out) or a staff note."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_messages_ticket_id_created_at", "ticket_id", "created_at"),
        # The WhatsApp 24-hour window: a debtor's latest message on a channel (0022).
        Index(
            "ix_messages_author_contact_id_channel_created_at",
            "author_contact_id",
            "channel",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    # The text without the quoted history, when the history could be told apart.
    new_text: Mapped[str | None] = mapped_column(Text)
    # Auto-replies we received and acknowledgements we sent: never start or stop a clock.
    is_automatic: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Sanitised once at intake; the raw original is kept by the channel that received it.
    html: Mapped[str | None] = mapped_column(Text)
    # Message-ID for email, wamid for WhatsApp: the key that makes intake idempotent.
    # Indexed alone too: threading looks up the ids a mail names, whatever the channel.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_error: Mapped[str | None] = mapped_column(String(500))
    # What must still happen to an outgoing message, kept with it so a crash loses nothing
    # (``helpdesk.delivery``): when the delivery sweep acts on it (``queued``: send it;
    # ``sending``: its claim has lapsed), how many times it was claimed (the claim's fence)
    # and when it was handed to the server (after that it is never resent blindly).
    delivery_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    delivery_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    delivery_handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Parts kept out of the ticket (too large, unreadable): [{filename, content_type, size,
    # reason}], shown on the message so nothing disappears silently.
    # An agent's email reply: {"to": [...], "cc": [...]} as the composer sent it (None:
    # the ticket's debtor and participants, as for acknowledgements).
    recipients: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    skipped_files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author_user: Mapped[User | None] = relationship()
    author_contact: Mapped[Contact | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )


ticket_participants = Table(
    "ticket_participants",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
)


class MessageReference(db.Model):
    """A Message-ID a message names in In-Reply-To or References.

    Kept so that a parent arriving after its reply (an outage, an import) finds the
    thread its reply already started.
    """

    __tablename__ = "message_references"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    referenced: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)  # References order, oldest first

    message: Mapped[Message] = relationship()


class Attachment(db.Model):
    """A file sent with a message; the bytes live content-addressed under the data dir."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))  # for cid: images in HTML
    is_inline: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(back_populates="attachments")
