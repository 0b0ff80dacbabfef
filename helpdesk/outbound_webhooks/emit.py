"""Turning domain signals into stored webhook events, in the sender's transaction.

Each event is stored once (its body is the exact JSON text every POST signs and sends)
with one delivery row per subscribed, active endpoint; the delivery jobs are enqueued
only after the transaction commits, so a rolled-back change tells nobody. Without a
subscriber nothing is stored.

``ticket.opened`` is built when the transaction commits, not when the signal fires:
the accounts are linked by other receivers of the same signal (in no fixed order), and
the collection system wants them in the event.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.audit.services import Actor, record
from helpdesk.holds import queries as hold_queries
from helpdesk.holds.models import Hold, TicketOutcome
from helpdesk.outbound_webhooks import services as endpoints
from helpdesk.outbound_webhooks.delivery import queue_deliveries
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES, Status

_OPENED = "aclara.webhooks.opened_tickets"


def emit(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    now: datetime,
    to: list[WebhookEndpoint] | None = None,
) -> WebhookEvent | None:
    """Store an event for its subscribers (or ``to``) and deliver it after commit."""
    targets = to if to is not None else endpoints.subscribed(session, event_type)
    if not targets:
        return None
    event_id = str(uuid.uuid4())
    envelope = {"id": event_id, "type": event_type, "created_at": now.isoformat(), "data": data}
    row = WebhookEvent(
        event_id=event_id,
        type=event_type,
        body=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
    )
    session.add(row)
    deliveries = [
        WebhookDelivery(
            event=row, endpoint=e, status="pending", next_attempt_at=now, created_at=now
        )
        for e in targets
    ]
    session.add_all(deliveries)
    session.flush()
    queue_deliveries(session, [d.id for d in deliveries])
    return row


def send_test(
    session: Session, endpoint: WebhookEndpoint, *, actor: Actor, now: datetime
) -> WebhookEvent:
    """A ``webhook.test`` event for this endpoint only, whatever it subscribed to."""
    data = {"endpoint": endpoint.name, "test": True}
    row = emit(session, endpoints.TEST, data, now=now, to=[endpoint])
    assert row is not None
    record(session, actor, "webhook.test_sent", endpoint, now=now, after={"event": row.event_id})
    return row


# --- Payloads -----------------------------------------------------------------------


def ticket_data(session: Session, ticket: Ticket) -> dict[str, Any]:
    """What the collection system needs of a ticket: no debtor's name, email or text."""
    outcome = session.get(TicketOutcome, ticket.id)
    return {
        "ticket": {
            "folio": ticket.folio,
            "type": ticket.type,
            "status": ticket.status,
            "channel": ticket.channel,
            "accounts": [{"number": a.number, "creditor": a.creditor} for a in ticket.accounts],
            "outcome": _outcome(outcome) if outcome else None,
        }
    }


def hold_data(session: Session, hold: Hold, *, now: datetime) -> dict[str, Any]:
    """The hold that started or ended, and the account's hold state as the API shows it."""
    account, ticket = hold.account, hold.ticket
    return {
        "account": {"number": account.number, "creditor": account.creditor},
        "hold": {
            "ticket": ticket.folio if ticket else None,
            "type": hold.ticket_type,
            "channel": hold.channel,
            "since": hold.opened_at.isoformat(),
            "ended_at": hold.closed_at.isoformat() if hold.closed_at else None,
            "outcome": hold.outcome,
            "resumes_at": hold.resume_at.isoformat() if hold.resume_at else None,
        },
        "account_hold": hold_queries.hold_json(hold_queries.hold_state(session, account, now=now)),
    }


def _outcome(outcome: TicketOutcome) -> dict[str, Any]:
    balance = outcome.adjusted_balance
    return {
        "outcome": outcome.outcome,
        "adjusted_balance": str(balance) if balance is not None else None,
        "closes_account": outcome.closes_account,
    }


# --- Signal receivers ---------------------------------------------------------------


def on_hold_started(hold: Hold, *, session: Session, now: datetime, **_: Any) -> None:
    _emit_hold(session, endpoints.HOLD_STARTED, hold, now=now)


def on_hold_ended(hold: Hold, *, session: Session, now: datetime, **_: Any) -> None:
    _emit_hold(session, endpoints.HOLD_ENDED, hold, now=now)


def _emit_hold(session: Session, event_type: str, hold: Hold, *, now: datetime) -> None:
    targets = endpoints.subscribed(session, event_type)
    if targets:  # the payload costs queries: only for someone who listens
        emit(session, event_type, hold_data(session, hold, now=now), now=now, to=targets)


def on_ticket_opened(ticket: Ticket, *, session: Session, now: datetime, **_: Any) -> None:
    session.info.setdefault(_OPENED, []).append((ticket.id, now))


def on_status_changed(
    ticket: Ticket, *, session: Session, before: str, after: str, now: datetime, **_: Any
) -> None:
    # Resolved, or closed straight from an open status: one event per resolution.
    if after == Status.RESOLVED or (after == Status.CLOSED and before in OPEN_STATUSES):
        emit(session, endpoints.TICKET_RESOLVED, ticket_data(session, ticket), now=now)


def _emit_opened(session: Session) -> None:
    opened = session.info.pop(_OPENED, [])
    # Asked once per commit, not per ticket: a poll's commit may open fifty.
    targets = endpoints.subscribed(session, endpoints.TICKET_OPENED) if opened else []
    if not targets:
        return
    for ticket_id, now in opened:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            data = ticket_data(session, ticket)
            emit(session, endpoints.TICKET_OPENED, data, now=now, to=targets)


def _forget_opened(session: Session) -> None:
    session.info.pop(_OPENED, None)


def connect() -> None:
    events.hold_started.connect(on_hold_started)
    events.hold_ended.connect(on_hold_ended)
    events.ticket_opened.connect(on_ticket_opened)
    events.ticket_status_changed.connect(on_status_changed)
    if not sa_event.contains(Session, "before_commit", _emit_opened):
        sa_event.listen(Session, "before_commit", _emit_opened)
        sa_event.listen(Session, "after_rollback", _forget_opened)
