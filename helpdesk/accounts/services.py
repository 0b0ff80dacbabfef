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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk.accounts.models import ChannelConsent, CollectionAccount
from helpdesk.accounts.parsing import AccountInput, AccountSettings, parse_account
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor, audit_row
from helpdesk.bulk import any_of, insert_rows, insert_rows_returning_ids
from helpdesk.collector import fewer_collections
from helpdesk.contacts.matching import ContactMatcher

MAX_BATCH = 10_000
ANALYZE_AFTER = 500
CHUNK = 5_000
FIELDS = ("portfolio", "balance", "currency", "days_past_due", "status", "next_due_date")


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



# --- Storing ----------------------------------------------------------------------------


def upsert_accounts(
    session: Session,
    rows: Sequence[Any],
    *,
    settings: AccountSettings,
    actor: Actor,
    now: datetime,
    numbers: Sequence[str | None] | None = None,
    source: str = "api",
) -> BatchReport:
    """Validate and store ``rows``; ``numbers`` (API PUT) overrides each row's number.
    ``source`` says where consents came from ("api", "import")."""
    report = BatchReport()
    with fewer_collections():
        valid = _validate(rows, numbers, report, settings)
        for start in range(0, len(valid), CHUNK):
            _store_chunk(
                session,
                valid[start : start + CHUNK],
                report,
                secret_key=settings.secret_key,
                actor=actor,
                now=now,
                source=source,
            )
    # Bulk statements bypass the identity map: objects already loaded must be refreshed.
    session.expire_all()
    return report


def _validate(
    rows: Sequence[Any],
    numbers: Sequence[str | None] | None,
    report: BatchReport,
    settings: AccountSettings,
) -> list[tuple[int, AccountInput]]:
    """The valid rows with their index; the others go to ``report.errors``."""
    valid: list[tuple[int, AccountInput]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        account, errors = parse_account(
            row, numbers[index] if numbers else None, settings=settings
        )
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
    secret_key: str,
    actor: Actor,
    now: datetime,
    source: str,
) -> None:
    existing = _existing_accounts(session, [a for _, a in chunk])
    matcher = ContactMatcher(session, secret_key=secret_key, actor=actor, now=now)
    contact_ids = matcher.match([a.contact for _, a in chunk])
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
    return audit_row(actor, action, "collection_accounts", ident, now=now, after=after)
