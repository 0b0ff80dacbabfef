"""Writes on contacts (debtors)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact, ContactIdentity, IdentityKind
from helpdesk.contacts.queries import contact_by_identity
from helpdesk.db import transaction_cache


def national_id_hash(value: str, *, secret_key: str) -> str:
    """A keyed hash (the app's ``SECRET_KEY``) to match national ids on without storing
    them."""
    return national_id_hasher(secret_key)(value)


def national_id_hasher(secret_key: str) -> Callable[[str], str]:
    """``national_id_hash`` with the key set up once (an import hashes one id per row:
    copying a keyed HMAC is cheaper than keying a new one)."""
    keyed = hmac.new(secret_key.encode(), digestmod=hashlib.sha256)

    def digest(value: str) -> str:
        upper = value.upper()
        # Most ids are letters and digits already: skip the per-character filter.
        normalised = upper if upper.isalnum() else "".join(ch for ch in upper if ch.isalnum())
        mac = keyed.copy()
        mac.update(normalised.encode())
        return mac.hexdigest()

    return digest


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
    secret_key: str | None = None,
    language: str = "es",
    actor: Actor,
    now: datetime,
) -> Contact:
    """``secret_key`` (the app's) is needed only with a ``national_id``, to hash it."""
    contact = Contact(name=name.strip(), language=language, created_at=now)
    if email:
        contact.identities.append(ContactIdentity(kind=IdentityKind.EMAIL, value=email.lower()))
    if phone:
        contact.identities.append(ContactIdentity(kind=IdentityKind.PHONE, value=phone))
    if national_id:
        if secret_key is None:
            raise ValueError("a national id is hashed with the app's secret key: pass it")
        contact.national_id_hash = national_id_hash(national_id, secret_key=secret_key)
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
    known = transaction_cache(session, BY_IDENTITY)
    key = (kind, value)
    contact = known[key] if key in known else contact_by_identity(session, kind, value)
    if contact is None:
        contact = Contact(name=display_name.strip()[:200], created_at=now)
        contact.identities.append(ContactIdentity(kind=kind, value=value))
        session.add(contact)
        record(session, actor, "contact.created", contact, now=now, after={"via": kind})
    elif not contact.name and display_name.strip():
        contact.name = display_name.strip()[:200]
    known[key] = contact
    return contact


# Contacts by (kind, value) for this transaction: None = known to have no contact.
BY_IDENTITY = "contacts.by_identity"


def prefetch_contacts(session: Session, identities: Iterable[tuple[str, str]]) -> list[Contact]:
    """Load the contacts of many addresses in one query for ``find_or_create``; returns
    those found."""
    known = transaction_cache(session, BY_IDENTITY)
    wanted: dict[str, set[str]] = {}
    for kind, value in identities:
        key = (kind, normalise_identity(kind, value))
        if key not in known:
            known[key] = None
            wanted.setdefault(kind, set()).add(key[1])
    found = []
    for kind, values in wanted.items():
        rows = session.scalars(
            select(ContactIdentity)
            .options(joinedload(ContactIdentity.contact).selectinload(Contact.identities))
            .where(ContactIdentity.kind == kind, ContactIdentity.value.in_(values))
        )
        for identity in rows:
            known[(kind, identity.value)] = identity.contact
            found.append(identity.contact)
    return found
