"""A web form submission in: who wrote, the ticket through intake, the note for the agents,
the emailed acknowledgement (``/contacto``: someone without a portal session writes to us).

It goes through ``intake.receive`` as channel "webform", like every other door, so
routing, SLA clocks and holds apply. Who wrote is the contact of the email address given,
else of the phone number, else a new contact. An existing contact never gets a new
address from this anonymous form (anyone can type anyone's email; a stranger's phone
added to a debtor would later receive that debtor's codes). The account number is linked
only when it is one of that contact's accounts; whether it matched is said to the agents
in an internal note, never to the person who wrote (nor in the acuse they download).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.audit.services import Actor
from helpdesk.channels.email.acknowledge import acknowledge
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.channels.whatsapp.identity import equivalent_forms
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.contacts.queries import contact_by_identity
from helpdesk.contacts.services import create_contact, normalise_identity
from helpdesk.errors import FieldError
from helpdesk.intake.inbound import Inbound, InboundFile, Sender
from helpdesk.intake.services import receive
from helpdesk.receipts.labels import TYPE_FOR_DEBTOR
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import add_system_note
from helpdesk.tickets.vocabulary import Channel

log = logging.getLogger(__name__)

# What a debtor may write about, in the words they use (the acuse's), in the form's order.
KINDS = TYPE_FOR_DEBTOR


class WebformError(FieldError):
    """A submission that cannot be taken; ``field`` names the form field to show it on."""


@dataclass(frozen=True)
class Submission:
    """What the form sent, already stripped; email and phone as typed."""

    name: str
    email: str
    phone: str
    account_number: str
    kind: str
    text: str
    files: Sequence[InboundFile] = ()
    language: str = "es"


@dataclass(frozen=True)
class Submitted:
    ticket: Ticket
    mailed: bool  # the acknowledgement with the acuse is queued to the contact's email


# --- Identification ----------------------------------------------------------------------


def normalise_phone(value: str, region: str) -> str:
    """``55 1234 5678``, ``(55) 1234-5678``, ``+52 1 55…``, ``0052…`` → E.164, numbers
    without a country code read as ``region``'s; ``WebformError`` when it is no number."""
    compact = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+521") and len(compact) == 14:
        compact = "+52" + compact[4:]  # the old Mexican mobile prefix: the same number
    try:
        number = phonenumbers.parse(compact, None if compact.startswith("+") else region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise WebformError(
            "phone",
            _l("That phone number does not look right. Write it with its area code, "
               "for example 55 1234 5678."),
        )  # fmt: skip
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_address(email: str, phone: str, *, region: str) -> str | None:
    """The phone in E.164 (None without one); ``WebformError`` when neither an email
    address nor a phone number was given, or the phone is no number."""
    if not email and not phone:
        raise WebformError(
            "email", _l("Give us an email address or a phone number so we can answer you.")
        )
    return normalise_phone(phone, region) if phone else None


def check(submission: Submission, *, region: str) -> str | None:
    """``check_address``, and the kind must be one the form offers."""
    if submission.kind not in {k.value for k in KINDS}:
        raise WebformError("kind", _l("Choose what your message is about."))
    return check_address(submission.email, submission.phone, region=region)


def identify(session: Session, email: str, phone: str | None) -> Contact | None:
    """The contact of the email address, else of the phone number (in any form stored)."""
    if email:
        contact = contact_by_identity(
            session, IdentityKind.EMAIL, normalise_identity(IdentityKind.EMAIL, email)
        )
        if contact is not None:
            return contact
    for form in equivalent_forms(phone) if phone else ():
        contact = contact_by_identity(session, IdentityKind.PHONE, form)
        if contact is not None:
            return contact
    return None


def account_of(session: Session, contact: Contact, number: str) -> CollectionAccount | None:
    """The contact's account with this number (spaces and dashes ignored), if any."""
    wanted = [number, "".join(ch for ch in number if ch not in " -")]
    return session.scalar(
        select(CollectionAccount)
        .where(
            CollectionAccount.contact_id == contact.id,
            CollectionAccount.number.in_(list(dict.fromkeys(wanted))),
        )
        .order_by(CollectionAccount.id)
        .limit(1)
    )


# --- Submitting --------------------------------------------------------------------------


def submit(
    session: Session,
    submission: Submission,
    *,
    settings: EmailSettings,
    region: str,
    staff_locale: str,
    now: datetime,
) -> Submitted:
    """Open the ticket, note for the agents what was given, queue the emailed acuse when
    an email address was given. Flushes, never commits (the mail leaves after the commit)."""
    phone = check(submission, region=region)
    email = normalise_identity(IdentityKind.EMAIL, submission.email) if submission.email else ""
    actor = Actor.system("intake:webform")
    contact = identify(session, email, phone)
    if contact is None:
        contact = create_contact(
            session, name=submission.name, email=email or None, phone=phone,
            language=submission.language, actor=actor, now=now,
        )  # fmt: skip
    account = account_of(session, contact, submission.account_number) \
        if submission.account_number else None  # fmt: skip
    with force_locale(submission.language):
        subject = str(KINDS[submission.kind])
        text = submission.text
        if submission.account_number:  # the debtor's own words, in their acuse too
            text += "\n\n" + _("Account number: %(number)s", number=submission.account_number)
    result = receive(
        session,
        Inbound(
            channel=Channel.WEBFORM.value,
            external_id=f"webform:{uuid.uuid4()}",
            sender=Sender(
                kind=IdentityKind.EMAIL.value if email else IdentityKind.PHONE.value,
                value=email or phone or "",
                display_name=submission.name,
            ),
            subject=subject,
            text=text,
            files=tuple(submission.files),
            ticket_type=submission.kind,
            contact_id=contact.id,
            account_ids=(account.id,) if account else (),
            language=submission.language,
        ),
        settings=settings.intake,
        now=now,
    )
    ticket = result.ticket
    assert ticket is not None
    with force_locale(staff_locale):
        add_system_note(
            session, ticket, text=_agent_note(submission, email, phone, account), actor=actor,
            now=now,
        )  # fmt: skip
    mailed = bool(email) and acknowledge(session, ticket, settings=settings, now=now) is not None
    return Submitted(ticket, mailed)


def _agent_note(
    submission: Submission, email: str, phone: str | None, account: CollectionAccount | None
) -> str:
    """What the person typed, for the agent: the contact may be someone already known
    whose name or addresses differ, and an account number may have matched nothing."""
    lines = [
        _("Sent through the public web form."),
        _("Name given: %(name)s", name=submission.name or "—"),
        _("Email given: %(email)s", email=email or "—"),
        _("Phone given: %(phone)s", phone=phone or "—"),
    ]
    if submission.account_number and account is not None:
        lines.append(
            _("Account number given: %(number)s, linked.", number=submission.account_number)
        )
    elif submission.account_number:
        lines.append(
            _(
                "Account number given: %(number)s, not matched (it is not an account of "
                "this contact; it was not linked).",
                number=submission.account_number,
            )
        )
    return "\n".join(lines)
