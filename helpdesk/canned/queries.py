"""Reads on canned responses: what an agent may insert into a ticket, and what they keep."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpdesk.canned.models import CannedResponse
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import Role, User


def usable_on(session: Session, ticket: Ticket, agent: User) -> list[CannedResponse]:
    """Shared answers and the agent's own, for every queue or the ticket's, Spanish first
    when the debtor writes Spanish (both languages are offered: a debtor may switch)."""
    statement = (
        select(CannedResponse)
        .where(
            or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == agent.id),
            or_(CannedResponse.queue_id.is_(None), CannedResponse.queue_id == ticket.queue_id),
        )
        .order_by(CannedResponse.title, CannedResponse.id)
    )
    found = list(session.scalars(statement))
    language = (ticket.contact.language or "es")[:2] if ticket.contact else "es"
    return sorted(found, key=lambda c: c.language != language)


def kept_by(session: Session, user: User) -> list[CannedResponse]:
    """The answers this user may edit: their own, and the shared ones for admins."""
    mine = CannedResponse.owner_id == user.id
    condition = or_(mine, CannedResponse.owner_id.is_(None)) if user.has_role(Role.ADMIN) else mine
    statement = (
        select(CannedResponse)
        .where(condition)
        .order_by(CannedResponse.owner_id.is_not(None), CannedResponse.title)
    )
    return list(session.scalars(statement))


def editable(session: Session, response_id: int, user: User) -> CannedResponse | None:
    """One answer this user may change (another agent's is not found)."""
    found = session.get(CannedResponse, response_id)
    if found is None:
        return None
    if found.owner_id == user.id or (found.owner_id is None and user.has_role(Role.ADMIN)):
        return found
    return None


def usable(
    session: Session, response_id: int, ticket: Ticket, agent: User
) -> CannedResponse | None:
    return next((c for c in usable_on(session, ticket, agent) if c.id == response_id), None)
