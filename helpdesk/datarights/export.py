"""Building one data export: everything we hold on a contact, as JSON (all of it) and
as a readable PDF (the same, with the messages cut after ``PDF_MESSAGES``).

Messages are read in keyset batches of plain columns and written to a temporary file
as they come, so a contact with tens of thousands of messages never sits in memory as
ORM objects; ``progress(done, total)`` is called after each batch (the job stores it).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import ChannelConsent, ChannelOptOut, CollectionAccount
from helpdesk.attachments import storage
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.datarights.labels import KIND_LABELS
from helpdesk.datarights.models import DataExport, DataRightsRequest
from helpdesk.holds.models import Hold
from helpdesk.pdf import render_pdf
from helpdesk.receipts.render import Words
from helpdesk.reminders.models import ReminderDispatch
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.vocabulary import Direction, label

BATCH = 1000
PDF_MESSAGES = 200  # the PDF shows the first ones; the JSON has every message
FORMAT = "aclara.data-export/1"

Progress = Callable[[int, int], None]


@dataclass
class Built:
    json_sha256: str
    json_size: int
    pdf_sha256: str
    pdf_size: int
    messages: int


@dataclass
class _Sections:
    contact: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def build(
    session: Session, export: DataExport, *, root: Path, now: datetime, progress: Progress
) -> Built:
    """Write the export's JSON and PDF to the attachment store; returns their digests."""
    contact = session.get(Contact, export.contact_id)
    assert contact is not None
    facts = _facts(session, contact)
    total = _message_count(session, contact.id)
    progress(0, total)
    shown: list[dict[str, Any]] = []
    done = 0
    with tempfile.TemporaryFile() as out:
        head = {
            "format": FORMAT,
            "produced_at": now.isoformat(),
            "contact": facts.contact,
            **facts.sections,
        }
        text = json.dumps(head, ensure_ascii=False, default=_plain, indent=1)
        out.write(text[: text.rstrip().rindex("}")].rstrip().encode())
        out.write(b',\n "messages": [')
        for batch in _message_batches(session, contact.id):
            for row in batch:
                out.write((b"," if done else b"") + b"\n  ")
                out.write(json.dumps(row, ensure_ascii=False, default=_plain).encode())
                if len(shown) < PDF_MESSAGES:
                    shown.append(row)
                done += 1
            progress(done, total)
        out.write(b"\n ]\n}\n")
        out.seek(0)
        data = out.read()
    json_sha = storage.save(data, root)
    pdf = render_pdf(_html(contact, export.ticket.folio, facts, shown, done, now))
    pdf_sha = storage.save(pdf, root)
    return Built(json_sha, len(data), pdf_sha, len(pdf), done)


def _facts(session: Session, contact: Contact) -> _Sections:
    cid = contact.id
    facts = _Sections(
        contact={
            "id": contact.id,
            "name": contact.name,
            "language": contact.language,
            "timezone": contact.timezone,
            "preferred_channel": contact.preferred_channel,
            "national_id": contact.national_id_masked,
            "birth_date": contact.birth_date,
            "created_at": contact.created_at,
        }
    )
    s = facts.sections
    s["identities"] = [
        {"kind": i.kind, "value": i.value, "verified": i.is_verified, "bounced_at": i.bounced_at}
        for i in session.scalars(
            select(ContactIdentity)
            .where(ContactIdentity.contact_id == cid)
            .order_by(ContactIdentity.id)
        )
    ]
    accounts = list(
        session.scalars(
            select(CollectionAccount)
            .where(CollectionAccount.contact_id == cid)
            .order_by(CollectionAccount.id)
        )
    )
    numbers = {a.id: a.number for a in accounts}
    s["accounts"] = [
        {
            "number": a.number,
            "creditor": a.creditor,
            "portfolio": a.portfolio,
            "balance": a.balance,
            "currency": a.currency,
            "days_past_due": a.days_past_due,
            "status": a.status,
            "next_due_date": a.next_due_date,
            "flags": a.flags or [],
        }
        for a in accounts
    ]
    s["tickets"] = [
        {
            "folio": t.folio,
            "subject": t.subject,
            "type": t.type,
            "status": t.status,
            "channel": t.channel,
            "created_at": t.created_at,
            "resolved_at": t.resolved_at,
        }
        for t in session.scalars(select(Ticket).where(Ticket.contact_id == cid).order_by(Ticket.id))
    ]
    s["attachments"] = [
        {"folio": folio, "filename": name, "content_type": kind, "size": size, "received_at": at}
        for folio, name, kind, size, at in session.execute(
            select(
                Ticket.folio,
                Attachment.filename,
                Attachment.content_type,
                Attachment.size,
                Attachment.created_at,
            )
            .join(Message, Message.id == Attachment.message_id)
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(Ticket.contact_id == cid, Message.direction != Direction.NOTE.value)
            .order_by(Attachment.id)
        )
    ]
    s["reminders_sent"] = (
        [
            {
                "account": numbers.get(account_id),
                "channel": channel,
                "due_date": due,
                "sent_at": sent,
            }
            for account_id, channel, due, sent in session.execute(
                select(
                    ReminderDispatch.account_id,
                    ReminderDispatch.channel,
                    ReminderDispatch.due_date,
                    ReminderDispatch.sent_at,
                )
                .where(ReminderDispatch.account_id.in_(numbers), ReminderDispatch.status == "sent")
                .order_by(ReminderDispatch.id)
            )
        ]
        if numbers
        else []
    )
    s["holds"] = (
        [
            {
                "account": numbers.get(h.account_id),
                "type": h.ticket_type,
                "channel": h.channel,
                "opened_at": h.opened_at,
                "closed_at": h.closed_at,
            }
            for h in session.scalars(
                select(Hold).where(Hold.account_id.in_(numbers)).order_by(Hold.id)
            )
        ]
        if numbers
        else []
    )
    s["consents"] = [
        {"channel": c.channel, "granted_at": c.granted_at, "source": c.source}
        for c in session.scalars(
            select(ChannelConsent)
            .where(ChannelConsent.contact_id == cid)
            .order_by(ChannelConsent.id)
        )
    ]
    s["opt_outs"] = [
        {"channel": o.channel, "since": o.created_at}
        for o in session.scalars(
            select(ChannelOptOut).where(ChannelOptOut.contact_id == cid).order_by(ChannelOptOut.id)
        )
    ]
    s["data_rights_requests"] = [
        {
            "kind": r.kind,
            "country": r.country,
            "legal_basis": r.legal_basis,
            "details": r.details,
            "created_at": r.created_at,
        }
        for r in session.scalars(
            select(DataRightsRequest)
            .where(DataRightsRequest.contact_id == cid)
            .order_by(DataRightsRequest.id)
        )
    ]
    return facts


def _messages_query(contact_id: int) -> Any:
    # Internal notes are the agents' working papers, not correspondence with the debtor.
    return (
        select(
            Message.id,
            Ticket.folio,
            Message.direction,
            Message.channel,
            Message.created_at,
            Message.text,
        )
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Ticket.contact_id == contact_id, Message.direction != Direction.NOTE.value)
    )


def _message_count(session: Session, contact_id: int) -> int:
    query = _messages_query(contact_id).with_only_columns(func.count(Message.id))
    return int(session.scalar(query) or 0)


def _message_batches(session: Session, contact_id: int) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = session.execute(
            _messages_query(contact_id).where(Message.id > last).order_by(Message.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [
            {"folio": folio, "direction": direction, "channel": channel, "at": at, "text": text}
            for _id, folio, direction, channel, at, text in rows
        ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _html(
    contact: Contact,
    folio: str,
    facts: _Sections,
    shown: list[dict[str, Any]],
    total: int,
    now: datetime,
) -> str:
    language = contact.language if contact.language in ("es", "en") else "es"
    try:
        zone = ZoneInfo(contact.timezone or "America/Mexico_City")
    except (ValueError, KeyError):  # a zone name the system does not know
        zone = ZoneInfo("America/Mexico_City")
    words = Words(language, zone)
    with force_locale(language):
        return render_template(
            "datarights/export.html",
            folio=folio,
            contact=facts.contact,
            s=facts.sections,
            messages=shown,
            more=max(total - len(shown), 0),
            total=total,
            words=words,
            now=now,
            lang=language,
            label=label,
            kind_labels=KIND_LABELS,
        )
