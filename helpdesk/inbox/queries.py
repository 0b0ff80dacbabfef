"""Reads for the ticket list: one page of a view (keyset, never OFFSET), the views with
their counts, and what each row shows beyond the ticket (last message, unread).

Every count is capped: ``COUNT(*)`` over a subquery limited to ``COUNT_CAP + 1`` rows, so
a count costs at most a thousand index entries whatever the table holds; the page says
"1,000+" above that. The number of SQL statements per page is fixed (tests count them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from helpdesk.contacts.models import Contact
from helpdesk.db import UTCDateTime
from helpdesk.holds.models import Hold
from helpdesk.inbox.cursor import Cursor
from helpdesk.inbox.filters import ME, NOBODY, ListFilters, Sort, View
from helpdesk.inbox.models import SavedView, TicketRead
from helpdesk.queues.models import Queue
from helpdesk.queues.queries import active_queues
from helpdesk.routing.models import Tag, ticket_tags
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES, Direction, Status
from helpdesk.users.models import Role, User

COUNT_CAP = 1000
PREVIEW_CHARS = 160
# The sort key of a ticket with no running clock: after every real deadline.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)

_OPEN = tuple(s.value for s in OPEN_STATUSES)
_DEFAULT_STATUSES: dict[View, tuple[str, ...]] = {
    View.MINE: _OPEN,
    View.UNASSIGNED: _OPEN,
    View.QUEUE: _OPEN,
    View.AT_RISK: _OPEN,
    View.PENDING: (Status.PENDING.value,),
    View.RESOLVED: (Status.RESOLVED.value, Status.CLOSED.value),
}


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool  # more than COUNT_CAP: shown as "1,000+"


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    preview: str  # the first line of the last message to or from the debtor
    unread: bool  # the assignee has not opened the ticket since the debtor last wrote


@dataclass(frozen=True)
class ListPage:
    rows: list[Row]
    next_cursor: str | None
    prev_cursor: str | None
    count: Count


@dataclass(frozen=True)
class ViewLink:
    view: View
    queue: Queue | None
    count: Count


# --- Who sees what -------------------------------------------------------------------------


def visible_to(viewer: User) -> list[ColumnElement[bool]]:
    """Supervisors and above see every ticket; an agent their queues' tickets, the ones
    with no queue yet and the ones assigned to them (the rule search applies too)."""
    if viewer.has_role(Role.SUPERVISOR):
        return []
    queue_ids = [q.id for q in viewer.queues]
    return [
        or_(
            Ticket.queue_id.in_(queue_ids),
            Ticket.queue_id.is_(None),
            Ticket.assignee_id == viewer.id,
        )
    ]


def conditions(filters: ListFilters, viewer: User, zone: str) -> list[ColumnElement[bool]]:
    """The tickets a view with its filters holds, as the viewer may see them."""
    found: list[ColumnElement[bool]] = [Ticket.status != Status.MERGED.value]
    found += visible_to(viewer)
    found += _view_conditions(filters, viewer)
    statuses = filters.statuses or _DEFAULT_STATUSES.get(filters.view, ())
    if statuses:
        found.append(Ticket.status.in_(statuses))
    if filters.priorities:
        found.append(Ticket.priority.in_(filters.priorities))
    if filters.types:
        found.append(Ticket.type.in_(filters.types))
    if filters.channels:
        found.append(Ticket.channel.in_(filters.channels))
    if filters.queue_ids:
        found.append(Ticket.queue_id.in_(filters.queue_ids))
    if filters.assignees:
        found.append(_assignee_condition(filters.assignees, viewer))
    for tag in filters.tags:
        found.append(exists().where(ticket_tags.c.ticket_id == Ticket.id, ticket_tags.c.tag == tag))
    if filters.has_hold is not None:
        found.append(_holding() if filters.has_hold else ~_holding())
    found += _date_range(Ticket.created_at, filters.created_from, filters.created_to, zone)
    found += _date_range(Ticket.last_activity_at, filters.updated_from, filters.updated_to, zone)
    return found


def _view_conditions(filters: ListFilters, viewer: User) -> list[ColumnElement[bool]]:
    match filters.view:
        case View.MINE:
            return [Ticket.assignee_id == viewer.id]
        case View.UNASSIGNED:
            return [Ticket.assignee_id.is_(None)]
        case View.QUEUE:
            return [Ticket.queue_id == filters.queue_id]
        case View.AT_RISK:
            return [_running_deadline().exists()]
        case View.ON_HOLD:
            return [_holding()]
    return []


def _assignee_condition(values: Sequence[str], viewer: User) -> ColumnElement[bool]:
    ids = [viewer.id if v == ME else int(v) for v in values if v != NOBODY]
    either = [Ticket.assignee_id.in_(ids)] if ids else []
    if NOBODY in values:
        either.append(Ticket.assignee_id.is_(None))
    return or_(*either)


def _holding() -> ColumnElement[bool]:
    """The ticket pauses an account's reminders right now."""
    return exists().where(Hold.ticket_id == Ticket.id, Hold.closed_at.is_(None))


def _running_deadline() -> Select[tuple[int]]:
    return select(TicketDeadline.id).where(
        TicketDeadline.ticket_id == Ticket.id,
        TicketDeadline.met_at.is_(None),
        TicketDeadline.paused_since.is_(None),
    )


def _date_range(
    column: ColumnElement[datetime], start: object, end: object, zone: str
) -> list[ColumnElement[bool]]:
    """Whole local days in the viewer's zone, both ends included."""
    tz = ZoneInfo(zone)
    found = []
    if start is not None:
        found.append(column >= datetime.combine(start, time(), tz))  # type: ignore[arg-type]
    if end is not None:
        after = datetime.combine(end, time(), tz) + timedelta(days=1)  # type: ignore[arg-type]
        found.append(column < after)
    return found


# --- One page ------------------------------------------------------------------------------


def _sort_key(sort: Sort) -> ColumnElement[datetime]:
    if sort == Sort.ACTIVITY:
        return Ticket.last_activity_at
    nearest = (
        select(func.min(TicketDeadline.due_at))
        .where(
            TicketDeadline.ticket_id == Ticket.id,
            TicketDeadline.met_at.is_(None),
            TicketDeadline.paused_since.is_(None),
        )
        .scalar_subquery()
    )
    # Resolved and closed tickets have nothing due, whatever their clocks say.
    due = case((Ticket.status.in_(_OPEN), nearest), else_=None)
    return func.coalesce(due, literal(NO_DEADLINE, UTCDateTime()), type_=UTCDateTime())


def ticket_page(
    session: Session,
    filters: ListFilters,
    viewer: User,
    *,
    zone: str,
    cursor: Cursor | None = None,
    per_page: int = 50,
) -> ListPage:
    """One page of the list. Activity pages newest first; deadline pages soonest first."""
    sort = filters.order
    key = _sort_key(sort).label("sort_key")
    where = conditions(filters, viewer, zone)
    # Newest activity first, but soonest deadline first: "forward" differs by sort.
    descending = sort == Sort.ACTIVITY
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        mark = tuple_(
            bindparam("cursor_at", cursor.at, type_=UTCDateTime()),
            bindparam("cursor_id", cursor.ticket_id),
        )
        later = tuple_(key.element, Ticket.id)
        where.append(later < mark if descending != backwards else later > mark)
    reverse = descending != backwards
    order = (key.element.desc(), Ticket.id.desc()) if reverse else (key.element, Ticket.id)
    found = session.execute(
        select(Ticket, key)
        .where(*where)
        .options(
            selectinload(Ticket.contact).selectinload(Contact.identities),
            selectinload(Ticket.queue),
            selectinload(Ticket.assignee),
        )
        .order_by(*order)
        .limit(per_page + 1)
    ).all()
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    tickets = [ticket for ticket, _ in found]
    keys = [(k, ticket.id) for ticket, k in found]
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    return ListPage(
        rows=_rows(session, tickets),
        next_cursor=Cursor(sort, *keys[-1]).encode() if keys and has_next else None,
        prev_cursor=Cursor(sort, *keys[0], backwards=True).encode() if keys and has_prev else None,
        count=capped_counts(session, {"page": conditions(filters, viewer, zone)})["page"],
    )


def _rows(session: Session, tickets: list[Ticket]) -> list[Row]:
    ids = [t.id for t in tickets]
    if not ids:
        return []
    previews = _previews(session, ids)
    unread = _unread(session, ids)
    return [Row(t, previews.get(t.id, ""), t.id in unread) for t in tickets]


def _previews(session: Session, ids: list[int]) -> dict[int, str]:
    ranked = (
        select(
            Message.ticket_id,
            func.substr(func.coalesce(Message.new_text, Message.text), 1, 400).label("text"),
            func.row_number()
            .over(
                partition_by=Message.ticket_id,
                order_by=(Message.created_at.desc(), Message.id.desc()),
            )
            .label("n"),
        )
        .where(Message.ticket_id.in_(ids), Message.direction != Direction.NOTE.value)
        .subquery()
    )
    rows = session.execute(select(ranked.c.ticket_id, ranked.c.text).where(ranked.c.n == 1))
    return {ticket_id: first_line(text or "") for ticket_id, text in rows}


def first_line(text: str) -> str:
    """The first line that says something, cut to fit a list row."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(">"):
            return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"
    return ""


def _unread(session: Session, ids: list[int]) -> set[int]:
    """Tickets whose newest message from the debtor came after the assignee last opened
    them (or that the assignee never opened)."""
    newest = (
        select(Message.ticket_id, func.max(Message.id).label("message_id"))
        .where(Message.ticket_id.in_(ids), Message.direction == Direction.IN.value)
        .group_by(Message.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(Ticket.id)
        .join(newest, newest.c.ticket_id == Ticket.id)
        .outerjoin(
            TicketRead,
            and_(TicketRead.ticket_id == Ticket.id, TicketRead.user_id == Ticket.assignee_id),
        )
        .where(
            Ticket.assignee_id.is_not(None),
            or_(
                TicketRead.seen_message_id.is_(None),
                TicketRead.seen_message_id < newest.c.message_id,
            ),
        )
    )
    return set(rows.scalars())


# --- Counts --------------------------------------------------------------------------------


def capped_counts(
    session: Session, named: dict[str, list[ColumnElement[bool]]]
) -> dict[str, Count]:
    """Each named condition set counted up to COUNT_CAP, all in one statement."""
    if not named:
        return {}
    parts = []
    for name, where in named.items():
        limited = select(literal_column("1").label("one")).select_from(Ticket).where(*where)
        limited = limited.limit(COUNT_CAP + 1).subquery()
        parts.append(
            select(literal(name).label("name"), func.count().label("n")).select_from(limited)
        )
    rows = session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all()
    return {name: Count(min(n, COUNT_CAP), n > COUNT_CAP) for name, n in rows}


def views_with_counts(session: Session, viewer: User, *, zone: str) -> list[ViewLink]:
    """The views down the side of the list: Mine, Unassigned, each queue the viewer works
    (every active queue for supervisors and above who belong to none), SLA at risk,
    Pending, On hold, Resolved and All, each with its count."""
    queues = sorted(viewer.queues, key=lambda q: q.name.lower())
    if not queues and viewer.has_role(Role.SUPERVISOR):
        queues = active_queues(session)
    links: list[tuple[View, Queue | None]] = [(View.MINE, None), (View.UNASSIGNED, None)]
    links += [(View.QUEUE, q) for q in queues]
    links += [
        (v, None) for v in (View.AT_RISK, View.PENDING, View.ON_HOLD, View.RESOLVED, View.ALL)
    ]

    def name(view: View, queue: Queue | None) -> str:
        return f"{view.value}:{queue.id}" if queue else view.value

    counts = capped_counts(
        session,
        {
            name(view, queue): conditions(
                ListFilters(view=view, queue_id=queue.id if queue else None), viewer, zone
            )
            for view, queue in links
        },
    )
    return [ViewLink(view, queue, counts[name(view, queue)]) for view, queue in links]


# --- Saved views ---------------------------------------------------------------------------


def saved_views_for(session: Session, viewer: User) -> list[SavedView]:
    """The viewer's own views, then the shared ones, each by name."""
    return list(
        session.scalars(
            select(SavedView)
            .where(or_(SavedView.owner_id == viewer.id, SavedView.shared.is_(True)))
            .order_by(SavedView.shared, func.lower(SavedView.name), SavedView.id)
        )
    )


def saved_view_by_id(session: Session, view_id: int) -> SavedView | None:
    return session.get(SavedView, view_id)


def tag_names(session: Session) -> list[str]:
    """The tags an admin has named, for the filter and the bulk action (cheap: it never
    counts the tickets that carry them)."""
    return list(session.scalars(select(Tag.name).order_by(Tag.name)))
