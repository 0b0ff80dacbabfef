"""Writes of the inbox: saved views, what a person has read, and bulk actions.

A bulk action is all or nothing: every ticket is checked before the first one changes,
and a refusal met halfway raises, so the caller's rollback leaves every ticket as it was.
Each ticket gets its own audit event (from the service that changes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold
from helpdesk.inbox.models import SavedView, TicketRead
from helpdesk.inbox.queries import visible_to
from helpdesk.routing import services as routing
from helpdesk.routing.rules import clean_tag
from helpdesk.routing.tags import tag_named
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import SETTABLE_STATUSES, Direction, Priority, Status
from helpdesk.users.models import Role, User

MAX_BULK = 200  # tickets per bulk action: a page or a few, never "everything"


class InboxError(ValueError):
    """Something the inbox refuses; ``str()`` is the message for the person."""


# --- Saved views ---------------------------------------------------------------------------


def save_view(
    session: Session, owner: User, name: str, query: str, *, shared: bool, now: datetime
) -> SavedView:
    """Keep a filter set under a name (saving under a name the owner used replaces it).
    Only supervisors and above share views with everyone."""
    name = " ".join(name.split())[:80]
    if not name:
        raise InboxError(_l("Give the view a name."))
    if shared and not owner.has_role(Role.SUPERVISOR):
        raise InboxError(_l("Only supervisors and administrators can share a view."))
    view = session.scalar(
        select(SavedView).where(
            SavedView.owner_id == owner.id, func.lower(SavedView.name) == name.lower()
        )
    )
    if view is None:
        view = SavedView(owner=owner, name=name, created_at=now)
        session.add(view)
    view.query = query[:2000]
    view.shared = shared
    session.flush()
    return view


def delete_view(session: Session, view: SavedView, *, by: User) -> None:
    if view.owner_id != by.id and not by.has_role(Role.ADMIN):
        raise InboxError(_l("Only its owner or an administrator can delete this view."))
    session.delete(view)
    session.flush()


# --- Reading -------------------------------------------------------------------------------


def mark_seen(session: Session, user: User, ticket: Ticket, *, now: datetime) -> None:
    """Remember the newest message of the ticket ``user`` has now seen (an upsert: two
    tabs opening the same ticket at once must not fail)."""
    newest = session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id))
    values = {
        "user_id": user.id,
        "ticket_id": ticket.id,
        "seen_message_id": newest or 0,
        "seen_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(TicketRead).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "ticket_id"],
            set_={"seen_message_id": statement.excluded.seen_message_id, "seen_at": now},
        )
    )


def newest_inbound_id(session: Session, ticket: Ticket) -> int:
    found = session.scalar(
        select(func.max(Message.id)).where(
            Message.ticket_id == ticket.id, Message.direction == Direction.IN.value
        )
    )
    return found or 0


# --- Bulk actions --------------------------------------------------------------------------


class BulkAction(StrEnum):
    ASSIGN = "assign"
    STATUS = "status"
    PRIORITY = "priority"
    TAG = "tag"
    MERGE = "merge"


@dataclass(frozen=True)
class Bulk:
    action: BulkAction
    value: str  # "me", "none" or a user id; a status; a priority; a tag; a folio to merge into
    ticket_ids: tuple[int, ...]

    @property
    def destructive(self) -> bool:
        """Actions a person confirms first: they end tickets or cannot be undone."""
        if self.action == BulkAction.MERGE:
            return True
        return self.action == BulkAction.STATUS and self.value in (
            Status.RESOLVED.value,
            Status.CLOSED.value,
        )


def tickets_for_bulk(session: Session, ticket_ids: Sequence[int], viewer: User) -> list[Ticket]:
    """The chosen tickets, all of them or an error: one the viewer may not see (or that
    does not exist) refuses the whole action."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise InboxError(_l("Choose at least one ticket."))
    if len(ids) > MAX_BULK:
        raise InboxError(_l("Choose at most %(n)d tickets at a time.", n=MAX_BULK))
    found = list(
        session.scalars(
            select(Ticket).where(Ticket.id.in_(ids), *visible_to(viewer)).order_by(Ticket.id)
        )
    )
    if len(found) != len(ids):
        raise InboxError(
            _l(
                "%(n)d of the chosen tickets are not yours to change (or no longer exist); "
                "nothing was changed.",
                n=len(ids) - len(found),
            )
        )
    return found


def apply_bulk(
    session: Session,
    chosen: list[Ticket],
    bulk: Bulk,
    *,
    viewer: User,
    grace: timedelta,
    now: datetime,
) -> int:
    """Apply one action to every chosen ticket; returns how many changed. Raises
    ``InboxError`` before any change when one ticket cannot take it."""
    actor = Actor.for_user(viewer)
    merged = [t.folio for t in chosen if t.status == Status.MERGED.value]
    if merged:
        raise InboxError(
            _l("Already merged, so they cannot change: %(folios)s.", folios=", ".join(merged))
        )
    match bulk.action:
        case BulkAction.ASSIGN:
            assignee = _assignee(session, bulk.value, viewer)
            for ticket in chosen:
                tickets.assign(session, ticket, assignee, actor=actor, now=now)
        case BulkAction.STATUS:
            _check_status(session, chosen, bulk.value)
            for ticket in chosen:
                holds.change_status(session, ticket, bulk.value, grace=grace, actor=actor, now=now)
        case BulkAction.PRIORITY:
            if bulk.value not in {p.value for p in Priority}:
                raise InboxError(_l("Choose a priority."))
            for ticket in chosen:
                tickets.set_priority(session, ticket, bulk.value, actor=actor, now=now)
        case BulkAction.TAG:
            tag = tag_named(session, clean_tag(bulk.value), now=now).name
            for ticket in chosen:
                routing.add_tags(session, ticket, [tag], actor=actor, now=now)
        case BulkAction.MERGE:
            into = merge_target(session, chosen, bulk.value, viewer)
            for ticket in chosen:
                if ticket.id != into.id:
                    merge_tickets(session, ticket, into, actor=actor, now=now)
    session.flush()
    return len(chosen)


def _assignee(session: Session, value: str, viewer: User) -> User | None:
    if value == "none":
        return None
    if value == "me":
        return viewer
    user = session.get(User, int(value)) if value.isdigit() else None
    if user is None or not user.is_active:
        raise InboxError(_l("Choose an active staff member to assign to."))
    return user


def _check_status(session: Session, chosen: list[Ticket], status: str) -> None:
    if status not in {s.value for s in SETTABLE_STATUSES}:
        raise InboxError(_l("Choose a status."))
    if status not in (Status.RESOLVED.value, Status.CLOSED.value):
        return
    disputes = [t.folio for t in chosen if hold_queries.needs_outcome(session, t)]
    if disputes:
        raise InboxError(
            _l(
                "These disputes still pause collection and need their outcome, recorded "
                "on each ticket: %(folios)s. Nothing was changed.",
                folios=", ".join(disputes),
            )
        )


def merge_target(session: Session, chosen: list[Ticket], folio: str, viewer: User) -> Ticket:
    """The ticket ``chosen`` would merge into: one the viewer sees, not itself merged,
    of the same debtor as every chosen ticket; ``InboxError`` otherwise."""
    folio = folio.strip().upper()
    into = next((t for t in chosen if t.folio == folio), None)
    if into is None:
        into = session.scalar(select(Ticket).where(Ticket.folio == folio, *visible_to(viewer)))
    if into is None:
        raise InboxError(_l("There is no ticket %(folio)s to merge into.", folio=folio))
    if into.status == Status.MERGED.value:
        raise InboxError(
            _l("%(folio)s was itself merged; choose the ticket it lives on in.", folio=folio)
        )
    if len([t for t in chosen if t.id != into.id]) == 0:
        raise InboxError(_l("Choose at least one ticket besides the one to merge into."))
    contacts = {t.contact_id for t in chosen} | {into.contact_id}
    if len(contacts) > 1:
        raise InboxError(
            _l(
                "Only tickets of the same debtor can be merged; these belong to %(n)d.",
                n=len(contacts),
            )
        )
    return into


def merge_check(session: Session, source: Ticket, folio: str, viewer: User) -> Ticket:
    """The ticket ``source`` would merge into (what the confirmation step names), or
    ``InboxError`` saying why it cannot."""
    if source.status == Status.MERGED.value:
        raise InboxError(_l("This ticket was already merged."))
    if not folio.strip():
        raise InboxError(_l("Give the folio of the ticket to merge into."))
    return merge_target(session, [source], folio, viewer)


def merge_one(
    session: Session, source: Ticket, folio: str, *, viewer: User, now: datetime
) -> Ticket:
    """The ticket page's merge: ``source`` into the ticket ``folio`` under the bulk merge's
    rules (same debtor, neither merged already); returns the survivor."""
    into = merge_check(session, source, folio, viewer)
    merge_tickets(session, source, into, actor=Actor.for_user(viewer), now=now)
    session.flush()
    return into


def merge_tickets(
    session: Session, source: Ticket, into: Ticket, *, actor: Actor, now: datetime
) -> None:
    """Merge ``source`` into ``into`` with its accounts: each account joins the survivor
    (and is held by it when the survivor's type holds), and the holds ``source`` still
    keeps open move to the survivor, so no account starts receiving reminders because
    its dispute was merged."""
    for account in list(source.accounts):
        holds.link_account(session, into, account, actor=actor, now=now)
    for hold in session.scalars(
        select(Hold).where(Hold.ticket_id == source.id, Hold.closed_at.is_(None))
    ):
        hold.ticket_id = into.id
    tickets.merge(session, source, into, actor=actor, now=now)
