"""Where a sign-in code can go: only to channels the contact has on file, shown masked.

The page offers the destinations by their position in this list, never by their value, so
the form neither shows nor accepts an address.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.logs import mask_address

EMAIL, WHATSAPP = "email", "whatsapp"
NBSP = "\u00a0"


@dataclass(frozen=True)
class Destination:
    channel: str  # "email" or "whatsapp"
    value: str  # the address or E.164 number: for sending, never for a page
    shown: str  # j***@gmail.com, +52 55 **** 1234


def mask_phone(e164: str) -> str:
    """``+52 55 **** 1234``: the country, the first two digits, the last four (joined by
    no-break spaces, so a narrow screen never splits the number)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return mask_address(e164)
    national = str(number.national_number)
    if len(national) < 8:
        return NBSP.join((f"+{number.country_code}", "****", national[-2:]))
    return NBSP.join((f"+{number.country_code}", national[:2], "****", national[-4:]))


def mask_email(address: str) -> str:
    return mask_address(address)


def destinations_of(contact: Contact, *, whatsapp: bool) -> list[Destination]:
    """The contact's email addresses (not bounced), then their WhatsApp number when the
    app can send WhatsApp at all (``whatsapp``)."""
    found = [
        Destination(EMAIL, i.value, mask_email(i.value))
        for i in contact.identities
        if i.kind == IdentityKind.EMAIL and i.bounced_at is None
    ]
    phone = contact.phone
    if whatsapp and phone:
        found.append(Destination(WHATSAPP, phone, mask_phone(phone)))
    return found


def parse_phone(text: str, region: str) -> str | None:
    """A phone typed any way (``55 1234 5678``, ``+52 (55) 1234-5678``) in E.164, or None."""
    cleaned = text.strip()
    if "@" in cleaned or sum(c.isdigit() for c in cleaned) < 8:
        return None
    try:
        number = phonenumbers.parse(cleaned, None if cleaned.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
