"""Cases a debtor opens or answers in the portal: both go through ``intake.receive``
as channel "portal", like every other door, so routing, SLA clocks and holds apply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from helpdesk.contacts.models import Contact
from helpdesk.errors import FieldError
from helpdesk.intake.inbound import Inbound, InboundFile, Sender, ThreadHints
from helpdesk.intake.services import receive
from helpdesk.portal import queries
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel, TicketType

# The kinds a debtor may choose, in the order the form offers them, with words a
# debtor understands (the agents' labels are more technical).
CASE_KINDS = {
    TicketType.DISPUTE: _l("I want to dispute a charge (aclaración)"),
    TicketType.ALREADY_PAID: _l("I already paid"),
    TicketType.WRONG_AMOUNT: _l("The amount is wrong"),
    TicketType.NOT_MY_DEBT: _l("This is not my debt"),
    TicketType.PAYMENT_PLAN: _l("I want a payment plan"),
    TicketType.COMPLAINT: _l("I want to file a complaint"),
    TicketType.DATA_RIGHTS: _l("Access, correct or delete my data (ARCO)"),
}
# Kinds that may be opened without naming an account.
ACCOUNT_OPTIONAL = {TicketType.COMPLAINT, TicketType.DATA_RIGHTS}


class CaseError(FieldError):
    """A case that cannot be opened; ``field`` names the form field to show it on."""


def open_case(
    session: Session,
    contact: Contact,
    *,
    kind: str,
    account_id: int | None,
    subject: str,
    text: str,
    files: Sequence[InboundFile] = (),
    now: datetime,
) -> Ticket:
    """Open the debtor's case (linked to one of *their* accounts). Flushes, never commits."""
    if kind not in {k.value for k in CASE_KINDS}:
        raise CaseError("kind", str(_l("Choose what your case is about.")))
    if account_id is not None and queries.account_of(session, contact.id, account_id) is None:
        raise CaseError("account", str(_l("Choose one of your accounts.")))
    if account_id is None and kind not in ACCOUNT_OPTIONAL and queries.accounts_of(
        session, contact.id
    ):
        raise CaseError("account", str(_l("Choose the account your case is about.")))
    result = receive(
        session,
        _inbound(contact, subject=subject, text=text, files=files, ticket_type=kind,
                 account_ids=(account_id,) if account_id else ()),
        now=now,
    )
    assert result.ticket is not None
    return result.ticket


def reply(
    session: Session,
    contact: Contact,
    ticket: Ticket,
    *,
    text: str,
    files: Sequence[InboundFile] = (),
    now: datetime,
) -> Ticket:
    """Append the debtor's message to their ticket (reopening it as email replies do);
    a closed ticket whose queue opens new ones gives a new, linked ticket."""
    if ticket.contact_id != contact.id:
        raise CaseError("text", str(_l("This case is not yours.")))
    inbound = _inbound(
        contact, subject=ticket.subject, text=text, files=files,
        hints=ThreadHints(folio=ticket.folio),
    )
    result = receive(session, inbound, now=now)
    assert result.ticket is not None
    return result.ticket


def _inbound(
    contact: Contact,
    *,
    subject: str,
    text: str,
    files: Sequence[InboundFile],
    ticket_type: str | None = None,
    account_ids: tuple[int, ...] = (),
    hints: ThreadHints | None = None,
) -> Inbound:
    return Inbound(
        channel=Channel.PORTAL.value,
        external_id=f"portal:{uuid.uuid4()}",
        sender=Sender(kind="portal", value=f"contact:{contact.id}", display_name=contact.name),
        subject=subject,
        text=text,
        files=tuple(files),
        hints=hints or ThreadHints(),
        ticket_type=ticket_type,
        contact_id=contact.id,
        account_ids=account_ids,
    )
