"""One-time sign-in codes: issued to a known address, checked, used once.

A code lives ten minutes and allows five wrong tries; only an HMAC of it is stored.
Issuing a new code voids the contact's earlier ones, so only the latest mail works.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.contacts.queries import contact_by_identity
from helpdesk.contacts.services import normalise_identity
from helpdesk.portal.models import PortalCode

log = logging.getLogger(__name__)
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5


class CodeError(Exception):
    """Why a code was refused: ``wrong``, ``expired`` or ``void`` (too many tries)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def mask_address(address: str) -> str:
    """For logs: ``g***@correo.mx``, ``+52******5678``."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address[:3] + "*" * max(len(address) - 7, 0) + address[-4:]


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
    contact = contact_for(session, address)
    row = _latest_open_code(session, contact.id) if contact else None
    if contact is None or row is None:
        raise CodeError("wrong")
    if row.expires_at <= now:
        raise CodeError("expired")
    if row.attempts >= MAX_ATTEMPTS:
        raise CodeError("void")
    if not hmac.compare_digest(row.code_hash, _digest(secret, contact.id, code.strip())):
        row.attempts += 1
        log.info("portal: wrong code for %s (%d)", mask_address(address), row.attempts)
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
