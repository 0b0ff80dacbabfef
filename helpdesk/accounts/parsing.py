"""Reading a collection account (and its contact) from an API body or a CSV row.

Each field is checked on its own and the errors are collected by field (the API's 422
details); a valid row becomes an ``AccountInput`` the services store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from babel.numbers import list_currencies

from helpdesk.accounts.models import CONSENT_CHANNELS
from helpdesk.contacts.birth_dates import parse_birth_date
from helpdesk.contacts.matching import ContactInput

_CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True)
class AccountSettings:
    """What reading and storing accounts takes from the app's settings, built once by the
    caller (view, CLI) with ``from_config``."""

    phone_region: str  # for phone numbers without +code
    allow_negative_balance: bool
    secret_key: str  # keys the national id hash (``contacts.services.national_id_hasher``)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccountSettings:
        return cls(
            phone_region=config["DEFAULT_PHONE_REGION"],
            allow_negative_balance=config["ACCOUNTS_ALLOW_NEGATIVE_BALANCE"],
            secret_key=config["SECRET_KEY"],
        )


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



# --- Validation -------------------------------------------------------------------------


def parse_account(
    body: Any, number: str | None = None, *, settings: AccountSettings
) -> tuple[AccountInput | None, dict]:
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
        "contact": _contact(body.get("contact"), errors, settings.phone_region),
        "balance": _balance(body.get("balance"), errors, settings.allow_negative_balance),
        "currency": _currency(body.get("currency"), errors),
        "days_past_due": _days(body.get("days_past_due", 0), errors),
        "status": _text(body.get("status", "active"), "status", errors, max_length=30),
        "next_due_date": _date(body.get("next_due_date"), errors),
    }
    if errors:
        return None, errors
    return AccountInput(**values), {}


def parse_contact(value: Any, *, phone_region: str) -> tuple[ContactInput | None, dict]:
    """A contact on its own (the tickets API), or the errors by field."""
    errors: dict[str, str] = {}
    person = _contact(value, errors, phone_region)
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


def _contact(value: Any, errors: dict, phone_region: str) -> ContactInput:
    if not isinstance(value, dict):
        errors["contact"] = "required object with name and email, phone or national_id"
        return ContactInput(name="")
    name = _text(value.get("name"), "contact.name", errors, max_length=200)
    email = value.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 254):
        errors["contact.email"] = "not an email address"
        email = None
    phone = _phone(value.get("phone"), errors, phone_region)
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
        birth_date=_birth_date(value.get("birth_date"), errors),
    )


def _birth_date(value: Any, errors: dict) -> date | None:
    if value is None:
        return None
    found = parse_birth_date(value) if isinstance(value, str) else None
    if found is None:
        errors["contact.birth_date"] = "a date as YYYY-MM-DD or DD/MM/YYYY"
    return found


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


def _phone(value: Any, errors: dict, region: str) -> str | None:
    """E.164 as given, or a national number of the default region turned into E.164."""
    if value is None:
        return None
    compact = _PHONE_PUNCTUATION.sub("", str(value))
    if _E164.fullmatch(compact):
        return compact
    try:
        parsed = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        errors["contact.phone"] = "not a phone number"
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _balance(value: Any, errors: dict, allow_negative: bool) -> Decimal:
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2:
        errors["balance"] = 'a decimal string with at most 2 decimals, e.g. "12500.00"'
        return Decimal(0)
    if amount < 0 and not allow_negative:
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

