"""Keeping collection accounts in sync with the creditor's system, in bulk.

One path for one account (API PUT), a batch (API, up to 10,000) and a CSV import: rows
are validated, duplicates within a batch refused, contacts matched by national id, email
or phone (E.164) — or created —, then accounts inserted or updated with a few set-based
statements per chunk. Each row that fails is reported with its reasons; the good rows
are stored. A row identical to what is stored changes nothing (idempotent).

A contact may list the channels the debtor authorised (``"consents": ["email"]``): the
missing ``ChannelConsent`` rows are added (never removed: withdrawing is an opt-out), so
the same consents twice change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from babel.numbers import list_currencies
from flask import current_app
from sqlalchemy import any_, cast, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.bulk import insert_rows, insert_rows_returning_ids
from helpdesk.collector import fewer_collections
from helpdesk.contacts.models import Contact, ContactIdentity, IdentityKind
from helpdesk.contacts.services import mask, national_id_hasher
from helpdesk.dunning.models import CONSENT_CHANNELS, ChannelConsent, CollectionAccount

MAX_BATCH = 10_000
ANALYZE_AFTER = 500
CHUNK = 5_000
FIELDS = ("portfolio", "balance", "currency", "days_past_due", "status", "next_due_date")
_CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True)
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    national_id: str | None = None
    consents: tuple[str, ...] = ()  # channels the debtor authorised, sorted


@dataclass(frozen=True)
class AccountInput:
    number: str
    creditor: str
    portfolio: str
    contact: ContactInput
    balance: Decimal
    currency: str
    days_past_due: int
    status: str
    next_due_date: date | None


@dataclass
class RowError:
    index: int
    number: str | None
    errors: dict[str, str]
    conflict: bool = False  # valid, but at odds with what is stored


@dataclass
class BatchReport:
    """Accounts by (creditor, number) as stored, and the rows that failed."""

    created: list[tuple[str, str]] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "errors": [
                {"index": e.index, "number": e.number, "errors": e.errors} for e in self.errors
            ],
        }


# --- Validation -------------------------------------------------------------------------


def parse_account(body: Any, number: str | None = None) -> tuple[AccountInput | None, dict]:
    """A validated account, or the errors by field (the API's 422 details)."""
    if not isinstance(body, dict):
        return None, {"body": "must be a JSON object"}
    errors: dict[str, str] = {}
    number = number if number is not None else body.get("number")
    values = {
        "number": _text(number, "number", errors, max_length=64),
        "creditor": _text(body.get("creditor"), "creditor", errors, max_length=120),
        "portfolio": _text(
            body.get("portfolio", ""), "portfolio", errors, max_length=120, required=False
        ),
        "contact": _contact(body.get("contact"), errors),
        "balance": _balance(body.get("balance"), errors),
        "currency": _currency(body.get("currency"), errors),
        "days_past_due": _days(body.get("days_past_due", 0), errors),
        "status": _text(body.get("status", "active"), "status", errors, max_length=30),
        "next_due_date": _date(body.get("next_due_date"), errors),
    }
    if errors:
        return None, errors
    return AccountInput(**values), {}


def parse_contact(value: Any) -> tuple[ContactInput | None, dict]:
    """A contact on its own (the tickets API), or the errors by field."""
    errors: dict[str, str] = {}
    person = _contact(value, errors)
    return (None, errors) if errors else (person, {})


def _text(value: Any, name: str, errors: dict, *, max_length: int, required: bool = True) -> str:
    trimmed = trim(value) if isinstance(value, str) else None
    if trimmed is None or (required and not trimmed):
        errors[name] = "required text" if required else "must be text"
        return ""
    if len(trimmed) > max_length:
        errors[name] = f"at most {max_length} characters"
    return trimmed


# JSON Schema's \s (ECMA-262) is narrower than Python's str.strip(): use one definition.
_BLANKS = " \t\n\r\f\v\u00a0\ufeff"


def trim(value: str) -> str:
    return value.strip(_BLANKS)


def _contact(value: Any, errors: dict) -> ContactInput:
    if not isinstance(value, dict):
        errors["contact"] = "required object with name and email, phone or national_id"
        return ContactInput(name="")
    name = _text(value.get("name"), "contact.name", errors, max_length=200)
    email = value.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 254):
        errors["contact.email"] = "not an email address"
        email = None
    phone = _phone(value.get("phone"), errors)
    national_id = value.get("national_id")
    if national_id is not None and (not isinstance(national_id, str) or not trim(national_id)):
        errors["contact.national_id"] = "must be text"
        national_id = None
    if not (email or phone or national_id) and "contact.email" not in errors:
        errors["contact"] = "needs an email, a phone or a national_id to be matched"
    return ContactInput(
        name=name,
        email=email.strip().lower() if email else None,
        phone=phone,
        national_id=national_id,
        consents=_consents(value.get("consents"), errors),
    )


def _consents(value: Any, errors: dict) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(channel, str) and channel in CONSENT_CHANNELS for channel in value
    ):
        errors["contact.consents"] = f"a list of channels: {', '.join(CONSENT_CHANNELS)}"
        return ()
    return tuple(sorted(set(value)))


_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


def _phone(value: Any, errors: dict) -> str | None:
    """E.164 as given, or a national number of the default region turned into E.164."""
    if value is None:
        return None
    compact = _PHONE_PUNCTUATION.sub("", str(value))
    if _E164.fullmatch(compact):
        return compact
    try:
        parsed = phonenumbers.parse(str(value), current_app.config["DEFAULT_PHONE_REGION"])
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        errors["contact.phone"] = "not a phone number"
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _balance(value: Any, errors: dict) -> Decimal:
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2:
        errors["balance"] = 'a decimal string with at most 2 decimals, e.g. "12500.00"'
        return Decimal(0)
    if amount < 0 and not current_app.config["ACCOUNTS_ALLOW_NEGATIVE_BALANCE"]:
        errors["balance"] = "must not be negative"
    if abs(amount) >= Decimal("1e12"):
        errors["balance"] = "too large"
    return amount.quantize(Decimal("0.01"))


def _currency(value: Any, errors: dict) -> str:
    if not isinstance(value, str) or value not in _CURRENCIES:
        errors["currency"] = "an ISO 4217 code such as MXN, COP, ARS, USD"
        return ""
    return value


def _days(value: Any, errors: dict) -> int:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value <= 36_500:
        errors["days_past_due"] = "a whole number from 0 to 36500"
        return 0
    return int(value)


def _date(value: Any, errors: dict) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        pass
    errors["next_due_date"] = "a date as YYYY-MM-DD"
    return None


# --- Storing ----------------------------------------------------------------------------


def upsert_accounts(
    session: Session,
    rows: Sequence[Any],
    *,
    actor: Actor,
    now: datetime,
    numbers: Sequence[str | None] | None = None,
    source: str = "api",
) -> BatchReport:
    """Validate and store ``rows``; ``numbers`` (API PUT) overrides each row's number.
    ``source`` says where consents came from ("api", "import")."""
    report = BatchReport()
    with fewer_collections():
        valid = _validate(rows, numbers, report)
        for start in range(0, len(valid), CHUNK):
            _store_chunk(
                session, valid[start : start + CHUNK], report, actor=actor, now=now, source=source
            )
    # Bulk statements bypass the identity map: objects already loaded must be refreshed.
    session.expire_all()
    return report


def _validate(
    rows: Sequence[Any], numbers: Sequence[str | None] | None, report: BatchReport
) -> list[tuple[int, AccountInput]]:
    """The valid rows with their index; the others go to ``report.errors``."""
    valid: list[tuple[int, AccountInput]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        account, errors = parse_account(row, numbers[index] if numbers else None)
        key = (account.creditor, account.number) if account else None
        if account and key in seen:
            errors = {"number": f"duplicate of row {seen[key]} in this batch"}
        if errors:
            number = (
                account.number
                if account
                else (row.get("number") if isinstance(row, dict) else None)
            )
            report.errors.append(
                RowError(index, number if isinstance(number, str) else None, errors)
            )
            continue
        seen[key] = index
        valid.append((index, account))
    return valid


def _store_chunk(
    session: Session,
    chunk: list[tuple[int, AccountInput]],
    report: BatchReport,
    *,
    actor: Actor,
    now: datetime,
    source: str,
) -> None:
    existing = _existing_accounts(session, [a for _, a in chunk])
    contact_ids = ContactMatcher(session, actor=actor, now=now).match([a.contact for _, a in chunk])
    consents = _existing_consents(
        session,
        [ident for ident, (_, a) in zip(contact_ids, chunk, strict=True) if a.contact.consents],
    )
    granted: dict[int, list[str]] = {}  # new consents by contact id
    inserts, updates, audits = [], [], []
    for (index, account), contact_id in zip(chunk, contact_ids, strict=True):
        key = (account.creditor, account.number)
        stored = existing.get(key)
        if stored is not None and stored["currency"] != account.currency:
            report.errors.append(
                RowError(
                    index,
                    account.number,
                    {"currency": f"the account is in {stored['currency']}; it cannot change"},
                    conflict=True,
                )
            )
            continue
        values = _values(account, contact_id, now)
        new_consents = [
            channel
            for channel in account.contact.consents
            if (values["contact_id"], channel) not in consents
        ]
        for channel in new_consents:
            consents.add((values["contact_id"], channel))
            granted.setdefault(values["contact_id"], []).append(channel)
        if stored is None:
            inserts.append({**values, "created_at": now})
            report.created.append(key)
        elif new_consents and not _differs(stored, values):
            report.updated.append(key)  # the account is as stored; its debtor's consent is new
        elif _differs(stored, values):
            updates.append({**values, "id": stored["id"]})
            audits.append(
                _audit(actor, "account.updated", stored["id"], now, _changes(stored, values))
            )
            report.updated.append(key)
        else:
            report.unchanged.append(key)
    _write(session, inserts, updates, audits, actor=actor, now=now)
    _grant_consents(session, granted, actor=actor, now=now, source=source)
    if len(inserts) >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        _analyze_grown_tables(session)


_GROWN_TABLES = text(
    """SELECT c.relname FROM pg_class AS c
    WHERE c.oid IN ('collection_accounts'::regclass, 'contacts'::regclass,
                    'contact_identities'::regclass)
      AND pg_relation_size(c.oid) >= 2 * GREATEST(c.relpages, 4)
                                       * current_setting('block_size')::int"""
)


def _analyze_grown_tables(session: Session) -> None:
    """ANALYZE the tables that doubled in size since their statistics were taken.

    Statistics of tables that just grew by thousands of rows stay stale until autovacuum
    comes by, and meanwhile the planner scans instead of using the indexes: the chunks of
    a first import would slow down as the tables grow. Analyzing at every chunk kept them
    flat but cost more than the inserts themselves (it samples the whole table each time);
    at each doubling it is a handful of ANALYZEs per import.
    """
    for table in session.scalars(_GROWN_TABLES).all():
        session.execute(text(f'ANALYZE "{table}"'))


def _write(
    session: Session,
    inserts: list[dict],
    updates: list[dict],
    audits: list[dict],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    if inserts:
        ids = insert_rows_returning_ids(session, CollectionAccount.__table__, inserts)
        created = _audit(actor, "account.created", 0, now, {})
        audits += [
            {
                **created,
                "object_id": ident,
                "after": {"number": row["number"], "balance": str(row["balance"])},
            }
            for ident, row in zip(ids, inserts, strict=True)
        ]
    if updates:
        session.execute(update(CollectionAccount), updates)
    insert_rows(session, AuditEvent.__table__, audits)


def _existing_consents(session: Session, contact_ids: list[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for part in any_of(session, ChannelConsent.contact_id, sorted(set(contact_ids))):
        found.update(
            session.execute(select(ChannelConsent.contact_id, ChannelConsent.channel).where(part))
        )
    return found


def _grant_consents(
    session: Session,
    granted: dict[int, list[str]],
    *,
    actor: Actor,
    now: datetime,
    source: str,
) -> None:
    """Insert the new consents (a few rows: a plain multi-row INSERT, not COPY). A racing
    import may have stored the same consent meanwhile: that row is left as it is."""
    if not granted:
        return
    rows = [
        {"contact_id": ident, "channel": channel, "granted_at": now, "source": source}
        for ident, channels in granted.items()
        for channel in channels
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(ChannelConsent).on_conflict_do_nothing(), rows)
    insert_rows(
        session,
        AuditEvent.__table__,
        [
            _audit(
                actor,
                "contact.consent_granted",
                ident,
                now,
                {"channels": sorted(channels), "source": source},
            )
            | {"object_type": "contacts"}
            for ident, channels in granted.items()
        ],
    )


def _existing_accounts(session: Session, accounts: list[AccountInput]) -> dict:
    keys = {(a.creditor, a.number) for a in accounts}
    columns = [
        CollectionAccount.id,
        CollectionAccount.creditor,
        CollectionAccount.number,
        CollectionAccount.contact_id,
        *(getattr(CollectionAccount, f) for f in FIELDS),
    ]
    found: dict[tuple[str, str], dict] = {}
    numbers = sorted({number for _creditor, number in keys})
    for part in any_of(session, CollectionAccount.number, numbers):
        for row in session.execute(select(*columns).where(part)).mappings():
            if (row["creditor"], row["number"]) in keys:
                found[(row["creditor"], row["number"])] = dict(row)
    return found


def any_of(session: Session, column: Any, values: list[Any]) -> list[Any]:
    """Conditions ``column IN values``, as few and as cheap as the database allows: one
    array parameter on PostgreSQL (a thousand placeholders cost more to prepare than to
    run), chunks of placeholders elsewhere."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(cast(values, ARRAY(column.type)))]
    return [column.in_(values[start : start + 500]) for start in range(0, len(values), 500)]


def _values(account: AccountInput, contact_id: int, now: datetime) -> dict[str, Any]:
    return {
        "number": account.number,
        "creditor": account.creditor,
        "portfolio": account.portfolio,
        "contact_id": contact_id,
        "balance": account.balance,
        "currency": account.currency,
        "days_past_due": account.days_past_due,
        "status": account.status,
        "next_due_date": account.next_due_date,
        "updated_at": now,
    }


def _differs(stored: dict, values: dict) -> bool:
    return any(stored[f] != values[f] for f in (*FIELDS, "contact_id"))


def _changes(stored: dict, values: dict) -> dict[str, Any]:
    return {f: _plain(values[f]) for f in (*FIELDS, "contact_id") if stored[f] != values[f]}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, (Decimal, date)) else value


def _audit(actor: Actor, action: str, ident: int, now: datetime, after: dict) -> dict:
    return {
        "created_at": now,
        "actor_user_id": actor.user_id,
        "actor_kind": actor.kind,
        "actor_label": actor.label,
        "action": action,
        "object_type": "collection_accounts",
        "object_id": ident,
        "ticket_id": None,
        "before": None,
        "after": after,
    }


_VIA_ACCOUNTS = {"via": "accounts"}
_EMAIL, _PHONE = IdentityKind.EMAIL.value, IdentityKind.PHONE.value


class ContactMatcher:
    """Finds each row's contact — by national id, then email, then phone — in bulk, and
    creates the missing ones (one per distinct person in the batch)."""

    def __init__(self, session: Session, *, actor: Actor, now: datetime) -> None:
        self.session, self.actor, self.now = session, actor, now
        self.by_key: dict[tuple[str, str], int] = {}
        self._hash = national_id_hasher()

    def match(self, people: Sequence[ContactInput]) -> list[int]:
        """The contact id of each of ``people``, in order."""
        keys = [self._keys(person) for person in people]
        self._load_identities(keys)
        self._create([(p, k) for p, k in zip(people, keys, strict=True) if not self._known(k)])
        return [self._find(k) for k in keys]

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
        created = _audit(self.actor, "contact.created", 0, self.now, _VIA_ACCOUNTS)
        created["object_type"] = "contacts"
        insert_rows(self.session, AuditEvent.__table__, [{**created, "object_id": i} for i in ids])

    def _contact_row(self, person: ContactInput, keys: list[tuple[str, str]]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "name": person.name,
            "language": "es",
            "created_at": self.now,
            "national_id_hash": None,
            "national_id_masked": None,
        }
        if person.national_id:
            row["national_id_hash"] = dict(keys)["national_id"]
            row["national_id_masked"] = mask(person.national_id)
        return row
