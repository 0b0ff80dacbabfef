"""Writes on contacts (debtors)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact, ContactIdentity, IdentityKind
from helpdesk.contacts.queries import contact_by_identity


def national_id_hash(value: str) -> str:
    """A keyed hash to match national ids on without storing them."""
    key = current_app.config["SECRET_KEY"].encode()
    upper = value.upper()
    # Most ids are letters and digits already: skip the per-character filter (imports hash
    # one per row).
    normalised = upper if upper.isalnum() else "".join(ch for ch in upper if ch.isalnum())
    return hmac.digest(key, normalised.encode(), hashlib.sha256).hex()


def mask(value: str, visible: int = 4) -> str:
    """``GODE561231HDFRRN09`` -> ``••••••••••••••RN09``: for screens and logs."""
    value = value.strip()
    return "•" * max(len(value) - visible, 0) + value[-visible:]


def create_contact(
    session: Session,
    *,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    national_id: str | None = None,
    language: str = "es",
    actor: Actor,
    now: datetime,
) -> Contact:
    contact = Contact(name=name.strip(), language=language, created_at=now)
    if email:
        contact.identities.append(ContactIdentity(kind=IdentityKind.EMAIL, value=email.lower()))
    if phone:
        contact.identities.append(ContactIdentity(kind=IdentityKind.PHONE, value=phone))
    if national_id:
        contact.national_id_hash = national_id_hash(national_id)
        contact.national_id_masked = mask(national_id)
    session.add(contact)
    session.flush()
    record(session, actor, "contact.created", contact, now=now)
    return contact


def normalise_identity(kind: str, value: str) -> str:
    return value.strip().lower() if kind == IdentityKind.EMAIL else value.strip()


def find_or_create(
    session: Session,
    *,
    kind: str,
    value: str,
    display_name: str = "",
    actor: Actor,
    now: datetime,
) -> Contact:
    """The contact known by this address, or a new one; an empty name is filled in."""
    value = normalise_identity(kind, value)
    contact = contact_by_identity(session, kind, value)
    if contact is None:
        contact = Contact(name=display_name.strip()[:200], created_at=now)
        contact.identities.append(ContactIdentity(kind=kind, value=value))
        session.add(contact)
        session.flush()
        record(session, actor, "contact.created", contact, now=now, after={"via": kind})
    elif not contact.name and display_name.strip():
        contact.name = display_name.strip()[:200]
    return contact
