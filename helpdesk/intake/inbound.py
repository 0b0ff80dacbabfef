"""The normalised message every channel adapter produces and ``intake.receive`` accepts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class Sender:
    """Who wrote: an address on a channel, with the name they gave."""

    kind: str  # "email", "phone" (E.164) or "whatsapp" (business-scoped user id)
    value: str
    display_name: str = ""


@dataclass(frozen=True)
class InboundFile:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None  # inline images referenced as cid: in the HTML
    is_inline: bool = False


@dataclass(frozen=True)
class SkippedPart:
    """A part kept out of the ticket (too large, unreadable), recorded with its reason."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ThreadHints:
    """What a message says about the conversation it belongs to."""

    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    folio: str | None = None  # the token found in the subject, e.g. ACL-2026-000123
    context_id: str | None = None  # WhatsApp: the wamid this message answers


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report about one of our outgoing messages."""

    original_message_id: str | None
    recipient: str | None
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str | None  # e.g. 5.1.1
    diagnostic: str

    @property
    def is_permanent(self) -> bool:
        return self.action == "failed" and (self.status or "5").startswith("5")


@dataclass(frozen=True)
class Inbound:
    channel: str
    external_id: str  # Message-ID (email) or wamid (WhatsApp); the idempotency key
    sender: Sender
    subject: str = ""
    text: str = ""  # the full plain text
    new_text: str | None = None  # the text without the quoted history, when it was found
    html: str | None = None  # sanitised
    files: tuple[InboundFile, ...] = ()
    skipped: tuple[SkippedPart, ...] = ()
    participants: tuple[Sender, ...] = ()  # CC'd people
    recipients: tuple[str, ...] = ()  # the addresses or numbers it was sent to
    hints: ThreadHints = field(default_factory=ThreadHints)
    sent_at: datetime | None = None  # the sender's own date, when trustworthy
    is_auto_reply: bool = False
    bounce: Bounce | None = None
    language: str | None = None
    raw_sha256: str | None = None
    # Set by channels that know more than a debtor's message says (API, portal, web form).
    ticket_type: str | None = None
    contact_id: int | None = None
    account_ids: tuple[int, ...] = ()


MAX_ID_LENGTH = 255


def fit_id(identifier: str) -> str:
    """Ids longer than a column holds become a stable hash, so two long ids never collide."""
    if len(identifier) <= MAX_ID_LENGTH:
        return identifier
    return "sha256:" + hashlib.sha256(identifier.encode()).hexdigest()


def with_fitted_ids(inbound: Inbound) -> Inbound:
    """The same message with every id (its own and those it names) fitted for storage."""
    hints = inbound.hints
    fitted = replace(
        hints,
        in_reply_to=fit_id(hints.in_reply_to) if hints.in_reply_to else None,
        references=tuple(fit_id(r) for r in hints.references),
        context_id=fit_id(hints.context_id) if hints.context_id else None,
    )
    return replace(inbound, external_id=fit_id(inbound.external_id), hints=fitted)
