"""Template parameters: what fills ``{{1}}``, ``{{2}}``… of an approved template, taken from
the ticket, its debtor and the first linked account."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from babel.numbers import format_currency
from flask_babel import lazy_gettext as _l

from helpdesk.channels.whatsapp.models import WhatsAppTemplate
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
LOCALES = {"es": "es_MX", "en": "en_US"}


class TemplateError(ValueError):
    """A template cannot be filled for this ticket; the message says which value is missing."""


def _account(ticket: Ticket) -> Any:
    return ticket.accounts[0] if ticket.accounts else None


def _balance(ticket: Ticket, agent: User | None) -> str | None:
    account = _account(ticket)
    if account is None:
        return None
    locale = LOCALES.get(ticket.contact.language or "es", "es_MX")
    return format_currency(account.balance, account.currency, locale=locale)


def _of_account(attribute: str) -> Callable[[Ticket, User | None], str | None]:
    def value(ticket: Ticket, agent: User | None) -> str | None:
        account = _account(ticket)
        found = getattr(account, attribute, None) if account is not None else None
        return None if found is None else str(found)

    return value


# name -> (label for admins, how to get the value)
PARAMETER_SOURCES: dict[str, tuple[Any, Callable[[Ticket, User | None], str | None]]] = {
    "contact_name": (_l("Debtor's name"), lambda t, a: t.contact.name or None),
    "folio": (_l("Ticket folio"), lambda t, a: t.folio),
    "subject": (_l("Ticket subject"), lambda t, a: t.subject),
    "queue": (_l("Queue"), lambda t, a: t.queue.name if t.queue else None),
    "agent_name": (_l("Agent's name"), lambda t, a: a.name if a is not None else None),
    "account_number": (_l("Account number"), _of_account("number")),
    "creditor": (_l("Creditor"), _of_account("creditor")),
    "balance": (_l("Balance"), _balance),
    "days_past_due": (_l("Days past due"), _of_account("days_past_due")),
    "next_due_date": (_l("Next due date"), _of_account("next_due_date")),
}


def values(template: WhatsAppTemplate, ticket: Ticket, agent: User | None) -> list[str]:
    """The parameters in order; TemplateError naming the first one this ticket lacks."""
    found = []
    for name in template.parameters or []:
        label, source = PARAMETER_SOURCES[name]
        value = source(ticket, agent)
        if value is None or not str(value).strip():
            raise TemplateError(
                str(_l("This ticket has no value for %(parameter)s.", parameter=label))
            )
        found.append(str(value).strip()[:1024])
    return found


def preview(template: WhatsAppTemplate, parameters: list[str]) -> str:
    """The text the debtor reads: the approved body filled in, or the template's name."""
    if not template.body:
        return f"[{template.name}] " + " · ".join(parameters)

    def fill(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return parameters[index] if 0 <= index < len(parameters) else match.group(0)

    return _PLACEHOLDER.sub(fill, template.body)
