"""How collection accounts react to what happens to tickets (signals, wired in app.py).

Receivers are a boundary, like views and jobs: connected once per process, each runs
inside the app that sent the signal and reads that app's settings (the hold grace) here,
then passes them to ``holds.services``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.audit.services import Actor
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold, TicketOutcome
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES, Status

CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)


def on_ticket_opened(
    ticket: Ticket, *, session: Session, actor: Actor, now: datetime, **_: Any
) -> None:
    if ticket.accounts:
        holds.apply_effects(session, ticket, list(ticket.accounts), actor=actor, now=now)
        return
    text = " ".join([ticket.subject, *(m.text for m in ticket.messages[:1])])
    holds.auto_link_accounts(session, ticket, text, actor=Actor.system("accounts"), now=now)


def on_status_changed(
    ticket: Ticket,
    *,
    session: Session,
    before: str,
    after: str,
    actor: Actor,
    now: datetime,
    **_: Any,
) -> None:
    if before in CLOSED_STATUSES and after in OPEN_STATUSES:
        holds.reopen_holds(session, ticket, actor=actor, now=now)
    elif after in CLOSED_STATUSES and session.get(TicketOutcome, ticket.id) is None:
        # Resolved without a recorded outcome: reminders may resume after the grace period.
        _close_all(session, ticket, outcome="resolved", actor=actor, now=now)


def on_ticket_changed(
    ticket: Ticket, *, session: Session, field: str, actor: Actor, now: datetime, **_: Any
) -> None:
    if field != "type":
        return
    if holds.effect_for(session, ticket.type).effect == "hold":
        holds.apply_effects(session, ticket, list(ticket.accounts), actor=actor, now=now)
    else:
        _close_all(session, ticket, outcome="type_changed", actor=actor, now=now)


def _close_all(
    session: Session, ticket: Ticket, *, outcome: str, actor: Actor, now: datetime
) -> None:
    for hold in session.scalars(
        select(Hold).where(Hold.ticket_id == ticket.id, Hold.closed_at.is_(None))
    ):
        holds.close_hold(
            session,
            hold,
            outcome=outcome,
            resume_at=now + holds.grace_period(current_app.config),
            actor=actor,
            now=now,
        )


def connect() -> None:
    events.ticket_opened.connect(on_ticket_opened)
    events.ticket_status_changed.connect(on_status_changed)
    events.ticket_changed.connect(on_ticket_changed)
