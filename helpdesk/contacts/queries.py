"""Reads on contacts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.contacts.models import Contact, ContactIdentity


def contact_by_identity(session: Session, kind: str, value: str) -> Contact | None:
    return session.scalar(
        select(Contact)
        .join(ContactIdentity)
        .where(ContactIdentity.kind == kind, ContactIdentity.value == value)
    )


def identity(session: Session, kind: str, value: str) -> ContactIdentity | None:
    return session.scalar(
        select(ContactIdentity).where(ContactIdentity.kind == kind, ContactIdentity.value == value)
    )


def contact_by_id(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)
