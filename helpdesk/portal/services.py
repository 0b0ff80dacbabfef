"""The debtor's portal: one-time sign-in codes, and the cases a debtor opens or answers.

Codes are issued to a known address, checked, used once. A code lives ten minutes and
allows five wrong tries; only an HMAC of it is stored. Issuing a new code voids the
contact's earlier ones, so only the latest mail works.

Cases go through ``intake.receive`` as channel "portal", like every other door, so
routing, SLA clocks and holds apply.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.contacts.queries import contact_by_identity
from helpdesk.contacts.services import normalise_identity
from helpdesk.errors import FieldError
from helpdesk.intake.inbound import Inbound, InboundFile, Sender, ThreadHints
from helpdesk.intake.services import IntakeSettings, receive
from helpdesk.portal import queries
from helpdesk.portal.models import PortalCode
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel, TicketType

log = logging.getLogger(__name__)
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5


class CodeError(Exception):
    """Why a code was refused: ``wrong``, ``expired`` or ``void`` (too many tries)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def contact_for(session: Session, address: str) -> Contact | None:
    """The contact an email address (or E.164 phone) belongs to, if any."""
    kind = IdentityKind.EMAIL if "@" in address else IdentityKind.PHONE
    return contact_by_identity(session, kind, normalise_identity(kind, address))


def issue_code(session: Session, contact: Contact, *, secret: str, now: datetime) -> str:
    """A fresh six-digit code for ``contact``; returns it in clear (to mail, never to store)."""
    session.execute(
        update(PortalCode)
        .where(PortalCode.contact_id == contact.id, PortalCode.is_used.is_(False))
        .values(is_used=True)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row = PortalCode(
        contact_id=contact.id,
        code_hash=_digest(secret, contact.id, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(row)
    session.flush()
    record(session, Actor.for_contact(contact), "portal.code_issued", row, now=now)
    return code


def verify_code(
    session: Session, address: str, code: str, *, secret: str, now: datetime
) -> Contact:
    """The contact the code signs in; raises ``CodeError`` and counts a wrong try."""
    return verify_contact_code(
        session, contact_for(session, address), code, secret=secret, now=now
    )


def verify_contact_code(
    session: Session, contact: Contact | None, code: str, *, secret: str, now: datetime
) -> Contact:
    """As ``verify_code``, for a contact already found (or None: every code is wrong)."""
    row = _latest_open_code(session, contact.id) if contact else None
    if contact is None or row is None:
        raise CodeError("wrong")
    if row.expires_at <= now:
        raise CodeError("expired")
    if row.attempts >= MAX_ATTEMPTS:
        raise CodeError("void")
    if not hmac.compare_digest(row.code_hash, _digest(secret, contact.id, code.strip())):
        row.attempts += 1
        log.info("portal: wrong code for contact %s (%d)", contact.id, row.attempts)
        raise CodeError("void" if row.attempts >= MAX_ATTEMPTS else "wrong")
    row.is_used, row.used_at = True, now
    record(session, Actor.for_contact(contact), "portal.signed_in", row, now=now)
    return contact


def _latest_open_code(session: Session, contact_id: int) -> PortalCode | None:
    return session.scalar(
        select(PortalCode)
        .where(PortalCode.contact_id == contact_id, PortalCode.is_used.is_(False))
        .order_by(PortalCode.id.desc())
        .limit(1)
    )


def _digest(secret: str, contact_id: int, code: str) -> str:
    # Keyed and bound to the contact: a leaked row cannot be brute-forced offline
    # (a million codes) without the secret key.
    message = f"portal-code:{contact_id}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- Cases -----------------------------------------------------------------------------

# The kinds a debtor may choose, in the order the form offers them, with words a
# debtor understands (the agents' labels are more technical).
CASE_KINDS = {
    TicketType.DISPUTE: _l("I want to dispute a charge (aclaración)"),
    TicketType.ALREADY_PAID: _l("I already paid"),
    TicketType.WRONG_AMOUNT: _l("The amount is wrong"),
    TicketType.NOT_MY_DEBT: _l("This is not my debt"),
    TicketType.PAYMENT_PLAN: _l("I want a payment plan"),
    TicketType.COMPLAINT: _l("I want to file a complaint"),
    TicketType.DATA_RIGHTS: _l("Access, correct or delete my data (ARCO)"),
}
# Kinds that may be opened without naming an account.
ACCOUNT_OPTIONAL = {TicketType.COMPLAINT, TicketType.DATA_RIGHTS}


class CaseError(FieldError):
    """A case that cannot be opened; ``field`` names the form field to show it on."""


def open_case(
    session: Session,
    contact: Contact,
    *,
    kind: str,
    account_id: int | None,
    subject: str,
    text: str,
    files: Sequence[InboundFile] = (),
    settings: IntakeSettings,
    now: datetime,
) -> Ticket:
    """Open the debtor's case (linked to one of *their* accounts). Flushes, never commits."""
    if kind not in {k.value for k in CASE_KINDS}:
        raise CaseError("kind", str(_l("Choose what your case is about.")))
    if account_id is not None and queries.account_of(session, contact.id, account_id) is None:
        raise CaseError("account", str(_l("Choose one of your accounts.")))
    if account_id is None and kind not in ACCOUNT_OPTIONAL and queries.accounts_of(
        session, contact.id
    ):
        raise CaseError("account", str(_l("Choose the account your case is about.")))
    result = receive(
        session,
        _inbound(contact, subject=subject, text=text, files=files, ticket_type=kind,
                 account_ids=(account_id,) if account_id else ()),
        settings=settings,
        now=now,
    )
    assert result.ticket is not None
    return result.ticket


def reply(
    session: Session,
    contact: Contact,
    ticket: Ticket,
    *,
    text: str,
    files: Sequence[InboundFile] = (),
    settings: IntakeSettings,
    now: datetime,
) -> Ticket:
    """Append the debtor's message to their ticket (reopening it as email replies do);
    a closed ticket whose queue opens new ones gives a new, linked ticket."""
    if ticket.contact_id != contact.id:
        raise CaseError("text", str(_l("This case is not yours.")))
    inbound = _inbound(
        contact, subject=ticket.subject, text=text, files=files,
        hints=ThreadHints(folio=ticket.folio),
    )
    result = receive(session, inbound, settings=settings, now=now)
    assert result.ticket is not None
    return result.ticket


def _inbound(
    contact: Contact,
    *,
    subject: str,
    text: str,
    files: Sequence[InboundFile],
    ticket_type: str | None = None,
    account_ids: tuple[int, ...] = (),
    hints: ThreadHints | None = None,
) -> Inbound:
    return Inbound(
        channel=Channel.PORTAL.value,
        external_id=f"portal:{uuid.uuid4()}",
        sender=Sender(kind="portal", value=f"contact:{contact.id}", display_name=contact.name),
        subject=subject,
        text=text,
        files=tuple(files),
        hints=hints or ThreadHints(),
        ticket_type=ticket_type,
        contact_id=contact.id,
        account_ids=account_ids,
    )
