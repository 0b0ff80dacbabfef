"""Holds: while a dispute is pending, no payment reminder for its account goes out.

A ticket of a holding type opens one Hold per linked account; the account is on hold
while any hold is open, and reminders resume only after the grace period that follows
the close — or never, when the outcome closes the account. Reopening the ticket
reopens its holds. Every change is audited on the ticket and the account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.accounts.models import ChannelOptOut, CollectionAccount
from helpdesk.accounts.queries import accounts_of_contact
from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.holds.models import Hold, TicketOutcome, TicketTypeEffect
from helpdesk.holds.queries import needs_outcome
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES, Status, TicketType

OUTCOMES = ("favourable", "unfavourable", "partial")


@dataclass(frozen=True)
class Effect:
    effect: str  # hold | flag | suppress | none
    channel: str | None = None
    flag: str | None = None


# What each ticket type does out of the box; an admin changes it in ticket_type_effects
# (``helpdesk.holds.effects``).
DEFAULT_EFFECTS: dict[str, Effect] = {
    TicketType.DISPUTE: Effect("hold"),
    TicketType.NOT_MY_DEBT: Effect("hold"),
    TicketType.ALREADY_PAID: Effect("hold"),
    TicketType.WRONG_AMOUNT: Effect("hold"),
    TicketType.DOCUMENTS_REQUEST: Effect("hold"),
    TicketType.PAYMENT_PLAN: Effect("hold"),
    TicketType.IDENTITY_THEFT: Effect("hold", flag="fraud_review"),
    TicketType.LEGAL: Effect("hold"),
    TicketType.DATA_RIGHTS: Effect("flag", flag="under_review"),
    TicketType.STOP_CONTACT: Effect("suppress"),
    TicketType.COMPLAINT: Effect("none"),
    TicketType.INFORMATION: Effect("none"),
}


class HoldError(ValueError):
    pass


class OutcomeRequired(FieldError):
    """Resolving or closing a ticket that holds accounts needs the dispute's outcome."""


def change_status(
    session: Session,
    ticket: Ticket,
    status: str,
    *,
    outcome: str | None = None,
    grace: timedelta | None = None,
    actor: Actor,
    now: datetime,
) -> None:
    """Set a ticket's status; resolving or closing one that still holds accounts records
    the dispute's outcome first, and is refused without it (nothing changes), so no hold
    ends without a verdict. ``grace`` (``grace_period(config)``) is needed with an
    outcome: reminders resume after it."""
    if Status(status) in (Status.RESOLVED, Status.CLOSED) and needs_outcome(session, ticket):
        if outcome not in OUTCOMES:
            raise OutcomeRequired(
                "outcome",
                _l(
                    "Choose the outcome of the dispute (favourable, unfavourable or partly "
                    "favourable) before resolving or closing: the accounts' reminders "
                    "depend on it."
                ),
            )
        if grace is None:
            raise ValueError("recording an outcome needs the grace period")
        record_outcome(session, ticket, outcome, grace=grace, actor=actor, now=now)
    tickets.set_status(session, ticket, status, actor=actor, now=now)


def effect_for(session: Session, ticket_type: str) -> Effect:
    row = session.get(TicketTypeEffect, ticket_type)
    if row is not None:
        return Effect(row.effect, row.channel, row.flag)
    return DEFAULT_EFFECTS.get(ticket_type, Effect("none"))


def apply_effects(
    session: Session,
    ticket: Ticket,
    accounts: list[CollectionAccount],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """What the ticket's type does to these (newly linked) accounts."""
    effect = effect_for(session, ticket.type)
    if effect.flag:
        for account in accounts:
            _flag(session, ticket, account, effect.flag, actor=actor, now=now)
    if effect.effect == "hold" and ticket.status in OPEN_STATUSES:
        for account in accounts:
            _open_hold(session, ticket, account, effect.channel, actor=actor, now=now)
    elif effect.effect == "suppress":
        _opt_out(session, ticket, effect.channel or "all", actor=actor, now=now)


def link_account(
    session: Session, ticket: Ticket, account: CollectionAccount, *, actor: Actor, now: datetime
) -> None:
    if account in ticket.accounts:
        return
    ticket.accounts.append(account)
    record(
        session,
        actor,
        "ticket.account_linked",
        ticket,
        now=now,
        ticket=ticket,
        after={"account": account.number},
    )
    apply_effects(session, ticket, [account], actor=actor, now=now)


def unlink_account(
    session: Session, ticket: Ticket, account: CollectionAccount, *, actor: Actor, now: datetime
) -> None:
    if account not in ticket.accounts:
        return
    ticket.accounts.remove(account)
    record(
        session,
        actor,
        "ticket.account_unlinked",
        ticket,
        now=now,
        ticket=ticket,
        after={"account": account.number},
    )
    for hold in _open_holds(session, ticket, account):
        close_hold(session, hold, outcome="unlinked", resume_at=now, actor=actor, now=now)


def record_outcome(
    session: Session,
    ticket: Ticket,
    outcome: str,
    *,
    grace: timedelta,
    actor: Actor,
    now: datetime,
    adjusted_balance: Decimal | None = None,
    closes_account: bool = False,
    note: str | None = None,
) -> TicketOutcome:
    """The agent's verdict on a dispute; closes its holds (the caller resolves the ticket).
    ``grace``: how long after ``now`` reminders stay held (``grace_period(app.config)``)."""
    if outcome not in OUTCOMES:
        raise HoldError(f"outcome must be one of {', '.join(OUTCOMES)}")
    row = session.get(TicketOutcome, ticket.id) or TicketOutcome(ticket_id=ticket.id)
    row.outcome, row.adjusted_balance, row.closes_account = (
        outcome,
        adjusted_balance,
        closes_account,
    )
    row.note, row.recorded_at = note, now
    session.add(row)
    record(
        session,
        actor,
        "ticket.outcome_recorded",
        ticket,
        now=now,
        ticket=ticket,
        after={
            "outcome": outcome,
            "adjusted_balance": _text(adjusted_balance),
            "closes_account": closes_account,
        },
    )
    for account in ticket.accounts:
        _settle_account(session, ticket, account, row, grace=grace, actor=actor, now=now)
    return row


def _settle_account(
    session: Session,
    ticket: Ticket,
    account: CollectionAccount,
    outcome: TicketOutcome,
    *,
    grace: timedelta,
    actor: Actor,
    now: datetime,
) -> None:
    if outcome.adjusted_balance is not None and outcome.adjusted_balance != account.balance:
        record(
            session,
            actor,
            "account.balance_adjusted",
            account,
            now=now,
            ticket=ticket,
            before={"balance": str(account.balance)},
            after={"balance": str(outcome.adjusted_balance)},
        )
        account.balance = outcome.adjusted_balance
    if outcome.closes_account and account.status != "closed":
        record(
            session,
            actor,
            "account.closed",
            account,
            now=now,
            ticket=ticket,
            before={"status": account.status},
            after={"status": "closed"},
        )
        account.status = "closed"
    resume_at = None if outcome.closes_account else now + grace
    for hold in _open_holds(session, ticket, account):
        close_hold(
            session, hold, outcome=outcome.outcome, resume_at=resume_at, actor=actor, now=now
        )


def grace_period(config: Mapping[str, Any]) -> timedelta:
    """The grace after a hold closes, from the app's settings (``HOLD_GRACE_DAYS``)."""
    return timedelta(days=config["HOLD_GRACE_DAYS"])


def lock_account(session: Session, account_id: int) -> CollectionAccount | None:
    """Take the account's row lock until the transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite has no row locks and serialises writers instead).

    Opening a hold and sending a reminder both take it: that is what keeps a reminder
    from going out once a dispute has committed (see ``helpdesk.reminders.dispatcher``)."""
    return session.scalar(
        select(CollectionAccount)
        .where(CollectionAccount.id == account_id)
        .with_for_update()
    )


def auto_link_accounts(
    session: Session, ticket: Ticket, text: str, *, actor: Actor, now: datetime
) -> None:
    """Link the contact's accounts the message names, or their only account."""
    accounts = [
        a for a in accounts_of_contact(session, ticket.contact.id) if a.status != "closed"
    ]
    named = [a for a in accounts if re.search(rf"\b{re.escape(a.number)}\b", text)]
    chosen = named or (list(accounts) if len(accounts) == 1 else [])
    for account in chosen:
        link_account(session, ticket, account, actor=actor, now=now)


# --- internals --------------------------------------------------------------------------


def _open_holds(session: Session, ticket: Ticket, account: CollectionAccount) -> list[Hold]:
    return list(
        session.scalars(
            select(Hold).where(
                Hold.ticket_id == ticket.id, Hold.account_id == account.id, Hold.closed_at.is_(None)
            )
        )
    )


def _open_hold(
    session: Session,
    ticket: Ticket,
    account: CollectionAccount,
    channel: str | None,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    if account.id is not None:
        lock_account(session, account.id)  # wait for a reminder being sent right now
    if _open_holds(session, ticket, account):
        return
    hold = Hold(
        account=account,
        ticket=ticket,
        ticket_type=ticket.type,
        channel=channel,
        opened_at=now,
    )
    session.add(hold)
    record(
        session,
        actor,
        "hold.started",
        hold,
        now=now,
        ticket=ticket,
        after={"account": account.number, "type": ticket.type, "channel": channel},
    )
    events.hold_started.send(hold, session=session, now=now)


def close_hold(
    session: Session,
    hold: Hold,
    *,
    outcome: str,
    resume_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> None:
    hold.closed_at, hold.outcome, hold.resume_at = now, outcome, resume_at
    record(
        session,
        actor,
        "hold.ended",
        hold,
        now=now,
        ticket_id=hold.ticket_id,
        after={
            "account": hold.account.number,
            "outcome": outcome,
            "resume_at": resume_at.isoformat() if resume_at else None,
        },
    )
    events.hold_ended.send(hold, session=session, now=now)


def reopen_holds(session: Session, ticket: Ticket, *, actor: Actor, now: datetime) -> None:
    """A reopened ticket puts its accounts on hold again."""
    for hold in session.scalars(
        select(Hold).where(
            Hold.ticket_id == ticket.id, Hold.closed_at.is_not(None), Hold.outcome != "unlinked"
        )
    ):
        lock_account(session, hold.account_id)
        if _open_holds(session, ticket, hold.account):
            continue
        hold.closed_at = hold.resume_at = hold.outcome = None
        record(
            session,
            actor,
            "hold.reopened",
            hold,
            now=now,
            ticket=ticket,
            after={"account": hold.account.number},
        )
        events.hold_started.send(hold, session=session, now=now)


def _flag(
    session: Session,
    ticket: Ticket,
    account: CollectionAccount,
    flag: str,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    flags = list(account.flags or [])
    if flag in flags:
        return
    account.flags = [*flags, flag]
    record(
        session,
        actor,
        "account.flagged",
        account,
        now=now,
        ticket=ticket,
        after={"flag": flag},
    )


def _opt_out(
    session: Session, ticket: Ticket, channel: str, *, actor: Actor, now: datetime
) -> None:
    exists = session.scalar(
        select(ChannelOptOut.id).where(
            ChannelOptOut.contact_id == ticket.contact_id, ChannelOptOut.channel == channel
        )
    )
    if exists is not None:
        return
    opt_out = ChannelOptOut(
        contact_id=ticket.contact_id, channel=channel, ticket_id=ticket.id, created_at=now
    )
    session.add(opt_out)
    session.flush()
    record(
        session,
        actor,
        "contact.opted_out",
        opt_out,
        now=now,
        ticket=ticket,
        after={"channel": channel},
    )


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
