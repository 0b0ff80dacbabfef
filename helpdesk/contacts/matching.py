"""Finding the contacts of many incoming rows at once, and creating the missing ones.

Used by the collection-account import (``helpdesk.accounts.services``): one row names a
person by national id, email or phone (E.164); this module turns a batch of them into
contact ids with a few set-based statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor, audit_row
from helpdesk.bulk import any_of, insert_rows, insert_rows_returning_ids
from helpdesk.contacts.models import Contact, ContactIdentity, IdentityKind
from helpdesk.contacts.services import mask, national_id_hasher

_VIA_ACCOUNTS = {"via": "accounts"}
_EMAIL, _PHONE = IdentityKind.EMAIL.value, IdentityKind.PHONE.value


@dataclass(frozen=True)
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    national_id: str | None = None
    consents: tuple[str, ...] = ()  # channels the debtor authorised, sorted
    birth_date: date | None = None



class ContactMatcher:
    """Finds each row's contact — by national id, then email, then phone — in bulk, and
    creates the missing ones (one per distinct person in the batch)."""

    def __init__(
        self, session: Session, *, secret_key: str, actor: Actor, now: datetime
    ) -> None:
        """``secret_key``: the app's, which keys the national id hash."""
        self.session, self.actor, self.now = session, actor, now
        self.by_key: dict[tuple[str, str], int] = {}
        self._hash = national_id_hasher(secret_key)

    def match(self, people: Sequence[ContactInput]) -> list[int]:
        """The contact id of each of ``people``, in order."""
        keys = [self._keys(person) for person in people]
        self._load_identities(keys)
        known = [(p, self._find(k)) for p, k in zip(people, keys, strict=True) if self._known(k)]
        self._create([(p, k) for p, k in zip(people, keys, strict=True) if not self._known(k)])
        self._set_birth_dates(known)
        return [self._find(k) for k in keys]

    def _set_birth_dates(self, known: list[tuple[ContactInput, int]]) -> None:
        """A birth date given for a contact that already exists replaces the stored one
        (a file may fill it in after the contact was created); never erased by a row
        without one. The audit says it changed, not what it is."""
        given = {ident: p.birth_date for p, ident in known if p.birth_date is not None}
        stored: dict[int, date | None] = {}
        for part in any_of(self.session, Contact.id, list(given)):
            rows = self.session.execute(select(Contact.id, Contact.birth_date).where(part))
            stored.update((ident, born) for ident, born in rows)
        changed = [
            {"id": ident, "birth_date": value}
            for ident, value in given.items()
            if ident in stored and stored[ident] != value
        ]
        if not changed:
            return
        self.session.execute(update(Contact), changed)
        audit = audit_row(
            self.actor, "contact.updated", "contacts", 0, now=self.now,
            after={"via": "accounts", "changed": ["birth_date"]},
        )
        insert_rows(
            self.session, AuditEvent.__table__, [{**audit, "object_id": c["id"]} for c in changed]
        )

    def _keys(self, person: ContactInput) -> list[tuple[str, str]]:
        """What ``person`` can be matched on, in that order."""
        keys = []
        if person.national_id:
            keys.append(("national_id", self._hash(person.national_id)))
        if person.email:
            keys.append((_EMAIL, person.email))
        if person.phone:
            keys.append((_PHONE, person.phone))
        return keys

    def _find(self, keys: list[tuple[str, str]]) -> int:
        by_key = self.by_key
        return next(by_key[k] for k in keys if k in by_key)

    def _known(self, keys: list[tuple[str, str]]) -> bool:
        return not self.by_key.keys().isdisjoint(keys)

    def _load_identities(self, people: list[list[tuple[str, str]]]) -> None:
        by_kind: dict[str, list[str]] = {}
        for kind, value in {k for keys in people for k in keys}:
            by_kind.setdefault(kind, []).append(value)
        for part in any_of(self.session, Contact.national_id_hash, by_kind.pop("national_id", [])):
            for ident, digest in self.session.execute(
                select(Contact.id, Contact.national_id_hash).where(part)
            ):
                self.by_key[("national_id", digest)] = ident
        for kind, values in by_kind.items():
            for part in any_of(self.session, ContactIdentity.value, values):
                for ident, value in self.session.execute(
                    select(ContactIdentity.contact_id, ContactIdentity.value).where(
                        ContactIdentity.kind == kind, part
                    )
                ):
                    self.by_key[(kind, value)] = ident

    def _create(self, people: list[tuple[ContactInput, list[tuple[str, str]]]]) -> None:
        unique: list[tuple[ContactInput, list[tuple[str, str]]]] = []
        for person, keys in people:
            if not self._known(keys):  # an earlier row of the batch may have the same person
                unique.append((person, keys))
                for key in keys:
                    self.by_key[key] = -len(unique)  # placeholder until inserted
        if not unique:
            return
        ids = insert_rows_returning_ids(
            self.session, Contact.__table__, [self._contact_row(p, k) for p, k in unique]
        )
        placeholder = {-(n + 1): ident for n, ident in enumerate(ids)}
        self.by_key = {k: placeholder.get(v, v) for k, v in self.by_key.items()}
        identities = [
            {"contact_id": ident, "kind": kind, "value": value, "is_verified": False}
            for ident, (_person, keys) in zip(ids, unique, strict=True)
            for kind, value in keys
            if kind != "national_id"
        ]
        insert_rows(self.session, ContactIdentity.__table__, identities)
        created = audit_row(
            self.actor, "contact.created", "contacts", 0, now=self.now, after=_VIA_ACCOUNTS
        )
        insert_rows(self.session, AuditEvent.__table__, [{**created, "object_id": i} for i in ids])

    def _contact_row(self, person: ContactInput, keys: list[tuple[str, str]]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "name": person.name,
            "language": "es",
            "created_at": self.now,
            "national_id_hash": None,
            "national_id_masked": None,
            "birth_date": person.birth_date,
        }
        if person.national_id:
            row["national_id_hash"] = dict(keys)["national_id"]
            row["national_id_masked"] = mask(person.national_id)
        return row
