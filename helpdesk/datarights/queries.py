"""Reads of data-rights requests and exports: a debtor sees only their own (anything
else is None, which the views turn into a 404), staff only on tickets they may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.datarights.models import DataExport, DataRightsRequest
from helpdesk.inbox.queries import visible_to
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User


def request_of_ticket(session: Session, ticket_id: int) -> DataRightsRequest | None:
    return session.scalar(select(DataRightsRequest).where(DataRightsRequest.ticket_id == ticket_id))


def requests_of(session: Session, contact_id: int) -> list[DataRightsRequest]:
    return list(
        session.scalars(
            select(DataRightsRequest)
            .where(DataRightsRequest.contact_id == contact_id)
            .order_by(DataRightsRequest.id.desc())
        )
    )


def exports_of_ticket(session: Session, ticket_id: int) -> list[DataExport]:
    return list(
        session.scalars(
            select(DataExport)
            .where(DataExport.ticket_id == ticket_id)
            .order_by(DataExport.id.desc())
        )
    )


def delivered_exports(
    session: Session, contact_id: int, ticket_id: int | None = None
) -> list[DataExport]:
    """The exports the contact may download (delivered ones, of their own data)."""
    query = select(DataExport).where(
        DataExport.contact_id == contact_id, DataExport.delivered_at.is_not(None)
    )
    if ticket_id is not None:
        query = query.where(DataExport.ticket_id == ticket_id)
    return list(session.scalars(query.order_by(DataExport.id.desc())))


def export_for_contact(session: Session, contact_id: int, export_id: int) -> DataExport | None:
    """One delivered export of this contact's own data; None for anything else."""
    return session.scalar(
        select(DataExport).where(
            DataExport.id == export_id,
            DataExport.contact_id == contact_id,
            DataExport.delivered_at.is_not(None),
        )
    )


def ticket_for_staff(session: Session, folio: str, user: User) -> Ticket | None:
    """The ticket by folio when ``user`` may work on it (the inbox's visibility rule)."""
    return session.scalar(
        select(Ticket).where(Ticket.folio == folio.strip().upper(), *visible_to(user))
    )


def export_for_staff(session: Session, export_id: int, user: User) -> DataExport | None:
    """An export of a ticket ``user`` may work on; None otherwise."""
    return session.scalar(
        select(DataExport)
        .join(Ticket, Ticket.id == DataExport.ticket_id)
        .where(DataExport.id == export_id, *visible_to(user))
    )
