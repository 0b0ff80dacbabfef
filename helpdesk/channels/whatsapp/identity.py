"""Who wrote: a WhatsApp ``wa_id`` matched to contacts through E.164, or a business-scoped
user id when the person hides their number.

Legacy mobile prefixes: Mexican mobiles arrive as ``521…`` where contacts are stored as
``+52…`` (phonenumbers rejects ``+521…`` since 2019); Argentine mobiles arrive as
``549…`` where creditors often store ``+54…``. Both forms are the same person.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact, ContactIdentity, IdentityKind
from helpdesk.intake.inbound import Sender


def e164(wa_id: str) -> str | None:
    """``5215512345678`` → ``+525512345678``; ``None`` when it is not a phone number."""
    digits = "".join(ch for ch in wa_id if ch.isdigit())
    if not 6 <= len(digits) <= 15:
        return None
    if digits.startswith("521") and len(digits) == 13:
        digits = "52" + digits[3:]
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def equivalent_forms(phone: str) -> list[str]:
    """Every stored form that means the same mobile, ``phone`` first."""
    forms = [phone]
    if phone.startswith("+52") and len(phone) == 13:
        forms.append("+521" + phone[3:])
    elif phone.startswith("+521") and len(phone) == 14:
        forms.append("+52" + phone[4:])
    elif phone.startswith("+549") and len(phone) == 14:
        forms.append("+54" + phone[4:])
    elif phone.startswith("+54") and len(phone) == 13:
        forms.append("+549" + phone[3:])
    return forms


def sender(session: Session, *, wa_id: str | None, user_id: str | None, name: str) -> Sender:
    """The identity intake looks the contact up by: a known user id, else the phone in the
    form already stored (or E.164 for someone new), else the user id."""
    if user_id and _stored(session, IdentityKind.WHATSAPP, [user_id]):
        return Sender(IdentityKind.WHATSAPP.value, user_id, name)
    phone = e164(wa_id) if wa_id else None
    if phone:
        forms = equivalent_forms(phone)
        found = _stored(session, IdentityKind.PHONE, forms)
        return Sender(IdentityKind.PHONE.value, found or phone, name)
    if wa_id:  # not a number phonenumbers knows: keep it as given rather than drop it
        return Sender(IdentityKind.PHONE.value, "+" + wa_id.lstrip("+"), name)
    return Sender(IdentityKind.WHATSAPP.value, user_id or "", name)


def link(
    session: Session,
    contact: Contact,
    *,
    wa_id: str | None,
    user_id: str | None,
    now: datetime,
) -> None:
    """Give the contact the phone or user id it was reached by, unless someone else has it."""
    phone = e164(wa_id) if wa_id else None
    wanted = []
    if phone and not _stored(session, IdentityKind.PHONE, equivalent_forms(phone)):
        wanted.append((IdentityKind.PHONE, phone))
    if user_id and not _stored(session, IdentityKind.WHATSAPP, [user_id]):
        wanted.append((IdentityKind.WHATSAPP, user_id))
    for kind, value in wanted:
        contact.identities.append(ContactIdentity(kind=kind.value, value=value))
        session.flush()
        record(
            session,
            Actor.system("intake:whatsapp"),
            "contact.identity_added",
            contact,
            now=now,
            after={"kind": kind.value},
        )


def _stored(session: Session, kind: IdentityKind, values: list[str]) -> str | None:
    return session.scalar(
        select(ContactIdentity.value)
        .where(ContactIdentity.kind == kind.value, ContactIdentity.value.in_(values))
        .limit(1)
    )
