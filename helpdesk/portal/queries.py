"""What a signed-in debtor may read: every lookup is scoped to their contact id, so
someone else's folio, account or file is simply not found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.accounts.models import CollectionAccount
from helpdesk.tickets.models import Attachment, Message, Ticket
from helpdesk.tickets.vocabulary import Direction, Status

# What the debtor sees of a conversation: never internal notes.
VISIBLE_DIRECTIONS = (Direction.IN.value, Direction.OUT.value)


def accounts_of(session: Session, contact_id: int) -> list[CollectionAccount]:
    return list(
        session.scalars(
            select(CollectionAccount)
            .where(CollectionAccount.contact_id == contact_id)
            .order_by(CollectionAccount.creditor, CollectionAccount.number)
        )
    )


def account_of(session: Session, contact_id: int, account_id: int) -> CollectionAccount | None:
    return session.scalar(
        select(CollectionAccount).where(
            CollectionAccount.id == account_id, CollectionAccount.contact_id == contact_id
        )
    )


def tickets_of(
    session: Session, contact_id: int, *, account_id: int | None = None
) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.contact_id == contact_id, Ticket.status != Status.MERGED.value)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    if account_id is not None:
        query = query.where(Ticket.accounts.any(CollectionAccount.id == account_id))
    return list(session.scalars(query))


def ticket_of(session: Session, contact_id: int, folio: str) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.folio == folio, Ticket.contact_id == contact_id)
    )


def conversation(session: Session, ticket: Ticket) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id, Message.direction.in_(VISIBLE_DIRECTIONS))
            .options(selectinload(Message.attachments))
            .order_by(Message.created_at, Message.id)
        )
    )


def attachment_of(session: Session, contact_id: int, attachment_id: int) -> Attachment | None:
    """A file of a visible message on one of the debtor's own tickets."""
    return session.scalar(
        select(Attachment)
        .join(Message, Attachment.message_id == Message.id)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(
            Attachment.id == attachment_id,
            Ticket.contact_id == contact_id,
            Message.direction.in_(VISIBLE_DIRECTIONS),
        )
    )
