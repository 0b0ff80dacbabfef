"""Writes on canned responses, and filling one in for a ticket.

Variables are written in braces: ``{debtor_name}``, ``{folio}``, ``{account_number}``,
``{balance}``, ``{due_date}``, ``{agent_name}``, ``{response_deadline}``. A variable the
ticket has no value for becomes ``[…]`` (the agent sees the gap before sending); text in
braces that is no variable stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.canned.models import LANGUAGES, CannedResponse
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.sla.deadlines import deadlines_of
from helpdesk.text import clean_line, clean_text
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import Role, User

VARIABLES = (
    "debtor_name",
    "folio",
    "account_number",
    "balance",
    "due_date",
    "agent_name",
    "response_deadline",
)
GAP = "[…]"
_VARIABLE = re.compile(r"\{([a-z_]+)\}")
MAX_BODY = 20_000


class CannedError(FieldError):
    """A canned response cannot be saved as given."""


@dataclass(frozen=True)
class CannedValues:
    title: str
    body: str
    language: str
    queue: Queue | None
    shared: bool


def save(
    session: Session,
    response: CannedResponse | None,
    values: CannedValues,
    *,
    owner: User,
    actor: Actor,
    now: datetime,
) -> CannedResponse:
    """Create or change an answer; ``shared`` ones belong to nobody: only an administrator
    shares one (and keeps the shared ones)."""
    if values.shared and not owner.has_role(Role.ADMIN):
        raise CannedError("shared", _("Only administrators can share an answer."))
    title, body = clean_line(values.title, 120), clean_text(values.body)[:MAX_BODY].strip()
    if not title:
        raise CannedError("title", _("Give the answer a title."))
    if not body:
        raise CannedError("body", _("Write the answer."))
    if values.language not in LANGUAGES:
        raise CannedError("language", _("Choose Spanish or English."))
    unknown = sorted(set(_VARIABLE.findall(body)) - set(VARIABLES))
    if unknown:
        names = ", ".join(f"{{{n}}}" for n in unknown)
        raise CannedError("body", _("Unknown variables: %(names)s", names=names))
    before = _snapshot(response) if response else None
    if response is None:
        response = CannedResponse(created_at=now)
        session.add(response)
    response.title, response.body, response.language = title, body, values.language
    response.queue = values.queue
    response.owner = None if values.shared else owner
    response.updated_at = now
    session.flush()
    action = "canned.changed" if before else "canned.created"
    record(session, actor, action, response, now=now, before=before, after=_snapshot(response))
    return response


def delete(session: Session, response: CannedResponse, *, actor: Actor, now: datetime) -> None:
    record(session, actor, "canned.deleted", response, now=now, before=_snapshot(response))
    session.delete(response)
    session.flush()


def fill(session: Session, response: CannedResponse, ticket: Ticket, agent: User) -> str:
    """The answer's text with this ticket's facts in place of its variables."""
    values = _values(session, ticket, agent, response.language)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        return values.get(name) or GAP

    return _VARIABLE.sub(replace, response.body)


def _values(session: Session, ticket: Ticket, agent: User, language: str) -> dict[str, str]:
    locale = "es_MX" if language == "es" else "en_US"
    account = ticket.accounts[0] if ticket.accounts else None
    contact = ticket.contact
    zone = ZoneInfo((contact.timezone if contact else None) or agent.timezone)
    deadline = next((d for d in deadlines_of(session, ticket.id) if d.target == "resolution"), None)
    return {
        "debtor_name": contact.display_name if contact else "",
        "folio": ticket.folio,
        "account_number": account.number if account else "",
        "balance": format_currency(account.balance, account.currency, locale=locale)
        if account
        else "",
        "due_date": format_date(account.next_due_date, "long", locale=locale)
        if account and account.next_due_date
        else "",
        "agent_name": agent.name,
        "response_deadline": format_date(deadline.due_at.astimezone(zone), "long", locale=locale)
        if deadline
        else "",
    }


def _snapshot(response: CannedResponse) -> dict[str, object]:
    return {
        "title": response.title,
        "language": response.language,
        "queue": response.queue.name if response.queue else None,
        "shared": response.owner_id is None,
    }
