"""Reads on collection accounts (those intake asks for every message it receives) and
the channels a debtor authorised."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import ChannelConsent, CollectionAccount
from helpdesk.db import cached, transaction_cache

_BY_CONTACT = "accounts.accounts_by_contact"


def accounts_of_contact(session: Session, contact_id: int | None) -> list[CollectionAccount]:
    """Every account of the contact (closed ones too), ordered by number."""
    if contact_id is None:
        return []
    known = cached(session, _BY_CONTACT)
    if known is not None and contact_id in known:
        return known[contact_id]
    return list(
        session.scalars(
            select(CollectionAccount)
            .where(CollectionAccount.contact_id == contact_id)
            .order_by(CollectionAccount.number)
        )
    )


def prefetch_accounts(
    session: Session, contact_ids: Iterable[int], *, new_contact_ids: Iterable[int] = ()
) -> None:
    """Load the accounts of many contacts in one query for this transaction's lookups;
    contacts created in it (``new_contact_ids``) have none yet."""
    known = transaction_cache(session, _BY_CONTACT)
    wanted = [i for i in set(contact_ids) if i not in known]
    for contact_id in (*wanted, *new_contact_ids):
        known.setdefault(contact_id, [])
    if wanted:
        rows = session.scalars(
            select(CollectionAccount)
            .where(CollectionAccount.contact_id.in_(wanted))
            .order_by(CollectionAccount.number)
        )
        for account in rows:
            known[account.contact_id].append(account)


def contact_consents(session: Session, contact_id: int | None) -> list[ChannelConsent]:
    """The channels the contact authorised, by channel name."""
    if contact_id is None:
        return []
    return list(
        session.scalars(
            select(ChannelConsent)
            .where(ChannelConsent.contact_id == contact_id)
            .order_by(ChannelConsent.channel)
        )
    )


def account_by_id(session: Session, account_id: int | None) -> CollectionAccount | None:
    return session.get(CollectionAccount, account_id) if account_id else None


def accounts_by_number(
    session: Session, number: str, *, creditor: str | None = None, limit: int = 2
) -> list[CollectionAccount]:
    """Accounts with this number (of one creditor when given), at most ``limit``."""
    query = select(CollectionAccount).where(CollectionAccount.number == number)
    if creditor:
        query = query.where(CollectionAccount.creditor == creditor)
    return list(session.scalars(query.limit(limit)))
