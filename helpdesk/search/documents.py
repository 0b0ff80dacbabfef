"""Tickets as flat documents for the index: everything an agent may search by.

Built in bulk (a handful of queries for any number of tickets), so a group of 500 new
mails or a full reindex never loads ticket by ticket.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.routing.models import ticket_tags
from helpdesk.tickets.models import Attachment, Message, Ticket

MAX_BODY = 200_000  # characters of message text per ticket; the rest is not searchable


@dataclass
class TicketDocument:
    ticket_id: int
    folio: str
    subject: str
    status: str
    type: str
    channel: str
    queue_id: int | None
    assignee_id: int | None
    created_at: datetime
    activity_at: datetime
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    filenames: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)  # every message, notes included (staff)


def build(session: Session, ticket_ids: Sequence[int]) -> list[TicketDocument]:
    """Documents for the tickets that exist (merged ones count as gone)."""
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(ticket_ids), Ticket.merged_into_id.is_(None))
        .options(
            selectinload(Ticket.contact).selectinload(Contact.identities),
            selectinload(Ticket.accounts),
        )
    ).all()
    documents = {t.id: _document(t) for t in tickets}
    if not documents:
        return []
    ids = list(documents)
    for ticket_id, text in session.execute(
        select(Message.ticket_id, Message.text)
        .where(Message.ticket_id.in_(ids))
        .order_by(Message.id)
    ):
        body = documents[ticket_id].body
        if text and sum(map(len, body)) < MAX_BODY:
            body.append(text)
    for ticket_id, filename in session.execute(
        select(Message.ticket_id, Attachment.filename)
        .join(Attachment, Attachment.message_id == Message.id)
        .where(Message.ticket_id.in_(ids))
    ):
        documents[ticket_id].filenames.append(filename)
    tags: dict[int, list[str]] = defaultdict(list)
    for ticket_id, tag in session.execute(
        select(ticket_tags.c.ticket_id, ticket_tags.c.tag).where(ticket_tags.c.ticket_id.in_(ids))
    ):
        tags[ticket_id].append(tag)
    for ticket_id, values in tags.items():
        documents[ticket_id].tags = values
    return list(documents.values())


def _document(ticket: Ticket) -> TicketDocument:
    contact = ticket.contact
    document = TicketDocument(
        ticket_id=ticket.id, folio=ticket.folio, subject=ticket.subject, status=ticket.status,
        type=ticket.type, channel=ticket.channel, queue_id=ticket.queue_id,
        assignee_id=ticket.assignee_id, created_at=ticket.created_at,
        activity_at=ticket.last_activity_at or ticket.updated_at,
    )  # fmt: skip
    document.names = [contact.name] if contact.name else []
    for identity in contact.identities:
        if identity.kind == IdentityKind.EMAIL:
            document.emails.append(identity.value.lower())
        elif identity.kind == IdentityKind.PHONE:
            document.phones.extend(phone_terms(identity.value))
    for account in ticket.accounts:
        document.accounts.extend(account_terms(account.number))
    return document


def phone_terms(value: str) -> list[str]:
    """Digits a phone can be typed as: the whole international number and its national
    tails (10, 8 and 7 digits), so ``55 1234 5678``, ``+52 1 55…`` and ``12345678`` all
    find ``+525512345678``."""
    digits = re.sub(r"\D", "", value)
    try:
        number = phonenumbers.parse(value if value.startswith("+") else f"+{digits}")
        national = str(number.national_number)
    except phonenumbers.NumberParseException:
        national = digits
    terms = {digits, national}
    terms.update(national[-n:] for n in (10, 8, 7) if len(national) >= n)
    return sorted(t for t in terms if t)


def query_phone(value: str, region: str | None = None) -> str:
    """What a typed phone is looked up by: the last ten digits of its national number
    (local forms like Argentina's ``011 15 …`` read in ``region``), or all its digits."""
    digits = re.sub(r"\D", "", value)
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        digits = str(number.national_number)
    return digits[-10:]


def account_terms(number: str) -> list[str]:
    """An account number as stored and without separators (``12-345678``, ``12345678``)."""
    plain = re.sub(r"[\s./-]", "", number).lower()
    return sorted({number.lower(), plain})
