"""Finding a debtor by an account number (or a folio) plus one fact only they should know.

Which fact a creditor asks is configured per creditor (``PORTAL_IDENTIFYING_FACTS``:
creditor name -> fact; any creditor not named uses "phone_last4"). Contacts keep no
date of birth, so the last four digits of the registered phone is the only fact there
is today; a creditor configured with another fact matches nobody (and says so in the
log) rather than letting anyone in without one.

The answer is the contact or None, and the caller answers both the same way up to the
point where a code is sent: an unknown account and a wrong fact are indistinguishable.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session

from helpdesk.accounts.queries import accounts_by_number
from helpdesk.contacts.models import Contact
from helpdesk.tickets.queries import ticket_by_folio

log = logging.getLogger(__name__)
PHONE_LAST4 = "phone_last4"
SUPPORTED = {PHONE_LAST4}


def fact_for(creditor: str | None, facts: Mapping[str, str]) -> str:
    return facts.get(creditor or "", PHONE_LAST4)


def contact_by_account_and_fact(
    session: Session, reference: str, fact: str, *, facts: Mapping[str, str]
) -> Contact | None:
    """The contact whose account number or folio is ``reference`` and whose fact matches."""
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
        if _matches(contact, fact_for(creditor, facts), fact) and found is None:
            found = contact
    return found


def _matches(contact: Contact, kind: str, given: str) -> bool:
    if kind not in SUPPORTED:
        log.warning("portal: identifying fact %r is not supported; nobody matches", kind)
        return False
    digits = "".join(c for c in given if c.isdigit())
    phone = contact.phone or ""
    expected = phone[-4:] if len(phone) >= 4 else ""
    return bool(expected) and len(digits) == 4 and hmac.compare_digest(expected, digits)
