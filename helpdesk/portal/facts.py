"""Finding a debtor by an account number (or a folio) plus one fact only they should know.

Which fact a creditor asks is configured per creditor (``PORTAL_IDENTIFYING_FACTS``:
creditor name -> fact; any creditor not named uses "phone_last4"). Two facts exist:
"phone_last4", the last four digits of the contact's registered phone, and
"birth_date", the contact's date of birth (``contacts.birth_date``, filled by the
accounts import and the API), typed as DD/MM/AAAA, DD-MM-AAAA or AAAA-MM-DD. A contact
without the fact on file never matches; a creditor configured with an unknown fact
matches nobody (and says so in the log) rather than letting anyone in without one.

The debtor does not know which fact their creditor asks, so they say which kind they
give; only the fact configured for the account's creditor is checked, and a fact of the
other kind simply does not match. The answer is the contact or None, and the caller
answers both the same way up to the point where a code is sent: an unknown account, a
wrong fact and a fact of the wrong kind are indistinguishable.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session

from helpdesk.accounts.queries import accounts_by_number
from helpdesk.config import IDENTIFYING_FACTS
from helpdesk.contacts.birth_dates import parse_birth_date
from helpdesk.contacts.models import Contact
from helpdesk.tickets.queries import ticket_by_folio

log = logging.getLogger(__name__)
PHONE_LAST4, BIRTH_DATE = IDENTIFYING_FACTS  # the configuration checks against the same list
SUPPORTED = frozenset(IDENTIFYING_FACTS)


def fact_for(creditor: str | None, facts: Mapping[str, str]) -> str:
    return facts.get(creditor or "", PHONE_LAST4)


def asks_birth_date(facts: Mapping[str, str]) -> bool:
    """Whether some creditor asks a date of birth: the sign-in form then offers a choice
    (it says nothing of which creditor, nor of any account)."""
    return BIRTH_DATE in facts.values()


def contact_by_account_and_fact(
    session: Session,
    reference: str,
    fact: str,
    *,
    facts: Mapping[str, str],
    kind: str = PHONE_LAST4,
) -> Contact | None:
    """The contact whose account number or folio is ``reference`` and whose fact matches;
    ``kind`` is the kind of fact the debtor says ``fact`` is."""
    reference = reference.strip()
    candidates: list[tuple[Contact, str | None]] = []
    for number in dict.fromkeys((reference, reference.upper())):
        for account in accounts_by_number(session, number, limit=20):
            if account.contact is not None:
                candidates.append((account.contact, account.creditor))
    ticket = ticket_by_folio(session, reference) if reference else None
    if ticket is not None and ticket.contact is not None:
        creditor = ticket.accounts[0].creditor if ticket.accounts else None
        candidates.append((ticket.contact, creditor))
    found = None
    for contact, creditor in candidates:
        # Every candidate is checked: two creditors may use the same account number.
        if _matches(contact, fact_for(creditor, facts), kind, fact) and found is None:
            found = contact
    return found


def _matches(contact: Contact, asked: str, kind: str, given: str) -> bool:
    if asked not in SUPPORTED:
        log.warning("portal: identifying fact %r is not supported; nobody matches", asked)
        return False
    if kind != asked:
        return False
    if asked == BIRTH_DATE:
        return _same_birth_date(contact, given)
    digits = "".join(c for c in given if c.isdigit())
    phone = contact.phone or ""
    expected = phone[-4:] if len(phone) >= 4 else ""
    return bool(expected) and len(digits) == 4 and hmac.compare_digest(expected, digits)


def _same_birth_date(contact: Contact, given: str) -> bool:
    typed = parse_birth_date(given)
    expected = contact.birth_date
    # Compared as text in constant time, as the phone digits are.
    return (
        typed is not None
        and expected is not None
        and hmac.compare_digest(expected.isoformat(), typed.isoformat())
    )
