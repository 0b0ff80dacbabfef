"""What the holds say: whether an account's reminders are stopped, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.holds.models import Hold, TicketOutcome
from helpdesk.tickets.models import Ticket


def hold_state(session: Session, account: CollectionAccount, *, now: datetime) -> dict[str, Any]:
    """Whether reminders for the account are stopped: while a hold is open or inside its
    grace period. Datetimes stay datetimes; ``hold_json`` shapes it for the API."""
    holds = session.scalars(
        select(Hold)
        .where(Hold.account_id == account.id, or_(Hold.closed_at.is_(None), Hold.resume_at > now))
        .order_by(Hold.opened_at)
    ).all()
    folios = (
        dict(
            session.execute(
                select(Ticket.id, Ticket.folio).where(Ticket.id.in_({h.ticket_id for h in holds}))
            ).all()
        )
        if holds
        else {}
    )
    reasons = [
        {
            "ticket": folios.get(h.ticket_id),
            "type": h.ticket_type,
            "channel": h.channel,
            "resumes_at": h.resume_at if h.closed_at else None,
        }
        for h in holds
    ]
    pending = [r["resumes_at"] for r in reasons]
    return {
        "active": bool(holds),
        "since": holds[0].opened_at if holds else None,
        # Reminders come back when the last hold's grace ends (unknown while one is open).
        "resumes_at": max(pending) if holds and None not in pending else None,
        "reasons": reasons,
    }


def hold_json(state: dict[str, Any]) -> dict[str, Any]:
    """The API's ``hold`` object."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "active": state["active"],
        "since": iso(state["since"]),
        "reasons": [{**r, "resumes_at": iso(r["resumes_at"])} for r in state["reasons"]],
    }


def is_held(session: Session, account_id: int, channel: str, *, now: datetime) -> bool:
    """The check the reminder dispatcher makes inside its sending transaction."""
    return (
        session.scalar(
            select(Hold.id)
            .where(
                Hold.account_id == account_id,
                or_(Hold.channel.is_(None), Hold.channel == channel),
                or_(Hold.closed_at.is_(None), Hold.resume_at > now),
            )
            .limit(1)
        )
        is not None
    )


def has_open_hold(session: Session, ticket_id: int) -> bool:
    """Whether a hold opened by this ticket is still open."""
    found = session.scalar(
        select(Hold.id).where(Hold.ticket_id == ticket_id, Hold.closed_at.is_(None)).limit(1)
    )
    return found is not None


def needs_outcome(session: Session, ticket: Ticket) -> bool:
    """Whether resolving or closing the ticket must record an outcome first: it still
    holds accounts. An outcome recorded before does not count once the ticket reopened
    (its holds opened again and wait for a new verdict)."""
    return has_open_hold(session, ticket.id)


def holds_of_account(session: Session, account_id: int) -> list[Hold]:
    return list(
        session.scalars(
            select(Hold).where(Hold.account_id == account_id).order_by(Hold.opened_at.desc())
        )
    )


def outcome_of(session: Session, ticket_id: int) -> TicketOutcome | None:
    return session.get(TicketOutcome, ticket_id)


def outcomes_by_ticket(session: Session, ticket_ids: list[int]) -> dict[int, TicketOutcome]:
    return {
        o.ticket_id: o
        for o in session.scalars(
            select(TicketOutcome).where(TicketOutcome.ticket_id.in_(ticket_ids))
        )
    }
