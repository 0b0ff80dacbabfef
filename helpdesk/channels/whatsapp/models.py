"""WhatsApp channel tables: numbers and templates, raw webhooks, and what WhatsApp adds to
a ticket message (its type, media, reactions, delivery statuses, the wamids we sent)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
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
    from helpdesk.queues.models import Queue


class WhatsAppNumber(db.Model):
    """A business phone number on the Cloud API. Secrets are stored encrypted; the number
    configured by the environment (``is_from_environment``) keeps them in the environment."""

    __tablename__ = "whatsapp_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    phone_number_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_number: Mapped[str] = mapped_column(String(32), default="")
    api_version: Mapped[str] = mapped_column(String(16), default="v21.0")
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    app_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    verify_token_encrypted: Mapped[str | None] = mapped_column(Text)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_from_environment: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    queue: Mapped[Queue | None] = relationship()
    templates: Mapped[list[WhatsAppTemplate]] = relationship(
        back_populates="number", cascade="all, delete-orphan", order_by="WhatsAppTemplate.name"
    )


class WhatsAppTemplate(db.Model):
    """An approved message template; ``parameters`` name what fills {{1}}, {{2}}, …"""

    __tablename__ = "whatsapp_templates"
    __table_args__ = (UniqueConstraint("number_id", "name", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number_id: Mapped[int] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(15))
    parameters: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")  # the approved text, for agents to read
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    number: Mapped[WhatsAppNumber] = relationship(back_populates="templates")


class WhatsAppWebhook(db.Model):
    """One signed POST exactly as it arrived (Meta cannot resend it), and what became of it."""

    __tablename__ = "whatsapp_webhooks"
    __table_args__ = (Index("ix_whatsapp_webhooks_action_received_at", "action", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column()
    # pending | processed | partial (some changes not processed: see reason) | failed
    action: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str | None] = mapped_column(String(1000))
    counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WhatsAppMessage(db.Model):
    """What WhatsApp adds to one ticket message (in or out)."""

    __tablename__ = "whatsapp_messages"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    number_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="SET NULL"), index=True
    )
    # text, image, video, audio, document, sticker, location, contacts, interactive, button,
    # system, unsupported, … inbound; text or template outbound
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the sender's timestamp
    template_name: Mapped[str | None] = mapped_column(String(512))
    template_language: Mapped[str | None] = mapped_column(String(15))
    template_parameters: Mapped[list[str] | None] = mapped_column(JSON)
    error_code: Mapped[int | None] = mapped_column()
    error_title: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # unsupported errors, system


class WhatsAppSentPart(db.Model):
    """A wamid we got back for one part (text, each file) of an outgoing message."""

    __tablename__ = "whatsapp_sent_parts"
    __table_args__ = (UniqueConstraint("message_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    part: Mapped[int] = mapped_column()
    wamid: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WhatsAppStatus(db.Model):
    """A delivery status webhook, kept once per (wamid, status) even before we know the
    wamid (the send call may not have returned yet): ``applied_at`` is set once applied."""

    __tablename__ = "whatsapp_statuses"
    __table_args__ = (UniqueConstraint("wamid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wamid: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient: Mapped[str | None] = mapped_column(String(160))
    error_code: Mapped[int | None] = mapped_column()
    error_title: Mapped[str | None] = mapped_column(String(500))
    error_details: Mapped[str | None] = mapped_column(String(1000))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WhatsAppMedia(db.Model):
    """A media item of an inbound message, downloaded by a job into an attachment."""

    __tablename__ = "whatsapp_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    number_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="SET NULL")
    )
    media_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    mime_type: Mapped[str] = mapped_column(String(120), default="")
    sha256: Mapped[str | None] = mapped_column(String(128))
    filename: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WhatsAppReaction(db.Model):
    """The emoji one person put on a message (ours or theirs); a removal clears ``emoji``.

    Keyed on the target's wamid, so a reaction that arrives before its message still
    attaches to it once it is stored."""

    __tablename__ = "whatsapp_reactions"
    __table_args__ = (UniqueConstraint("target_wamid", "sender"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_wamid: Mapped[str] = mapped_column(String(255), index=True)
    sender: Mapped[str] = mapped_column(String(160))
    emoji: Mapped[str | None] = mapped_column(String(32))
    wamid: Mapped[str] = mapped_column(String(255))
    reacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
