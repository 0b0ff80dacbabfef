"""The facts of an acuse de recibo, gathered from a ticket in a few reads.

What was received (the debtor's first message, every file they sent, the accounts the
case is about), when, the response deadline the rules give it (the ticket's resolution
clock, else its first response), and whether collection on its accounts is paused.
Nothing here formats: ``render`` does, in the debtor's language and time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.branding.queries import brand
from helpdesk.holds.models import Hold
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.sla.models import SlaPolicy, Target, TicketDeadline
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import Direction

# The clock whose due date is the answer we promise, in order of preference.
PROMISE_TARGETS = (Target.RESOLUTION.value, Target.FIRST_RESPONSE.value)
# What intake keeps in ``skipped_files`` that is a note, not a file.
_NOTE_TYPE = "text/x-aclara-note"


@dataclass(frozen=True)
class ReceivedFile:
    filename: str
    size: int  # bytes


@dataclass(frozen=True)
class RefusedFile:
    filename: str
    size: int
    reason: str  # too_large | unreadable | too_deep | …


@dataclass(frozen=True)
class ClaimedAccount:
    number: str
    creditor: str
    balance: Decimal | None
    currency: str


@dataclass(frozen=True)
class Acuse:
    """Everything an acuse says; datetimes are UTC, ``timezone`` is where to show them."""

    folio: str
    ticket_id: int
    received_at: datetime
    channel: str
    type: str
    subject: str
    text: str
    contact_name: str
    language: str
    timezone: str
    agency: str
    creditors: tuple[str, ...]
    accounts: tuple[ClaimedAccount, ...]
    files: tuple[ReceivedFile, ...]
    refused: tuple[RefusedFile, ...]
    deadline: datetime | None  # we answer no later than this
    deadline_timezone: str  # the rule's calendar: its day is the day the deadline falls on
    paused_since: datetime | None  # collection on the accounts paused since (None: not paused)
    generated_at: datetime
    public_url: str | None = None  # where debtors reach the app (HELPDESK_PUBLIC_URL)
    # The branding admins set (helpdesk.branding); none of it without a branding row.
    legal_name: str | None = None
    legal_notice: str | None = None
    privacy_url: str | None = None
    logo_uri: str | None = None  # a data: URI: the PDF renderer fetches nothing else
    colour: str = "#1d4e89"

    @property
    def filename(self) -> str:
        return acuse_filename(self.folio)


def acuse_filename(folio: str) -> str:
    """``acuse-ACL-2026-000123.pdf``: only letters, digits and dashes from the folio."""
    safe = "".join(c for c in folio if c.isascii() and (c.isalnum() or c == "-"))
    return f"acuse-{safe or 'folio'}.pdf"


def acuse_of(
    session: Session, ticket: Ticket, *, now: datetime, settings: ReceiptSettings
) -> Acuse:
    contact = ticket.contact
    look = brand(session, default_name=settings.agency)
    inbound = _inbound_messages(session, ticket.id)
    first = inbound[0] if inbound else None  # the claim: the debtor's first message
    deadline_row = _promise(session, ticket.id)
    accounts = tuple(
        ClaimedAccount(a.number, a.creditor, a.balance, a.currency) for a in ticket.accounts
    )
    return Acuse(
        folio=ticket.folio,
        ticket_id=ticket.id,
        received_at=first.created_at if first else ticket.created_at,
        channel=ticket.channel,
        type=ticket.type,
        subject=ticket.subject,
        text=((first.new_text or first.text) if first else "").strip(),
        contact_name=contact.name or "",
        language=(contact.language or settings.default_locale)[:2],
        timezone=_zone_name(
            contact.timezone,
            _calendar_zone(deadline_row.policy) if deadline_row else None,
            settings.default_timezone,
        ),
        agency=look.display_name,
        creditors=tuple(dict.fromkeys(a.creditor for a in ticket.accounts if a.creditor)),
        accounts=accounts,
        files=tuple(ReceivedFile(a.filename, a.size) for m in inbound for a in m.attachments),
        refused=tuple(_refused(inbound)),
        deadline=deadline_row.due_at if deadline_row else None,
        deadline_timezone=_zone_name(
            _calendar_zone(deadline_row.policy) if deadline_row else None,
            contact.timezone,
            settings.default_timezone,
        ),
        paused_since=_paused_since(session, [a.id for a in ticket.accounts]),
        generated_at=now,
        public_url=settings.public_url,
        legal_name=look.legal_name,
        legal_notice=look.legal_notice,
        privacy_url=look.privacy_url,
        logo_uri=look.logo_data_uri,
        colour=look.primary_color if look.custom else "#1d4e89",
    )


def _refused(inbound: list[Message]) -> list[RefusedFile]:
    """Files intake kept out of the debtor's messages (too large, unreadable)."""
    return [
        RefusedFile(
            str(skipped.get("filename") or "—"),
            int(skipped.get("size") or 0),
            str(skipped.get("reason") or ""),
        )
        for message in inbound
        for skipped in message.skipped_files or []
        if skipped.get("content_type") != _NOTE_TYPE
    ]


def _inbound_messages(session: Session, ticket_id: int) -> list[Message]:
    """The debtor's messages (not auto-replies we received), with their files."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.ticket_id == ticket_id,
                Message.direction == Direction.IN.value,
                Message.is_automatic.is_(False),
            )
            .options(selectinload(Message.attachments))
            .order_by(Message.created_at, Message.id)
        )
    )


def _promise(session: Session, ticket_id: int) -> TicketDeadline | None:
    rows = {
        row.target: row
        for row in session.scalars(
            select(TicketDeadline)
            .where(
                TicketDeadline.ticket_id == ticket_id,
                TicketDeadline.target.in_(PROMISE_TARGETS),
            )
            .options(selectinload(TicketDeadline.policy).selectinload(SlaPolicy.calendar))
        )
    }
    return next((rows[t] for t in PROMISE_TARGETS if t in rows), None)


def _calendar_zone(policy: SlaPolicy | None) -> str | None:
    if policy is None or policy.calendar is None:
        return None
    return (policy.calendar.config or {}).get("timezone")


def _zone_name(*candidates: str | None) -> str:
    """The first of the candidates that is a time zone this machine knows."""
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def _paused_since(session: Session, account_ids: list[int]) -> datetime | None:
    """Since when collection on these accounts is paused by an open hold (None: it is not)."""
    if not account_ids:
        return None
    return session.scalar(
        select(func.min(Hold.opened_at)).where(
            Hold.account_id.in_(account_ids), Hold.closed_at.is_(None)
        )
    )
