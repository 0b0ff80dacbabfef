"""Reads for the ticket list: one page of a view (keyset, never OFFSET), the views with
their counts, and what each row shows beyond the ticket (last message, unread).

Every count is capped: ``COUNT(*)`` over a subquery limited to ``COUNT_CAP + 1`` rows, so
a count costs at most a thousand index entries whatever the table holds; the page says
"1,000+" above that. The number of SQL statements per page is fixed (tests count them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased, selectinload

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
# The sort keys of an open ticket with no running clock (after every real deadline) and
# of a resolved or closed one (after those).
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
ENDED = datetime(9999, 12, 1, tzinfo=UTC)

_OPEN = tuple(s.value for s in OPEN_STATUSES)
_LISTED = tuple(s.value for s in Status if s != Status.MERGED)  # merged ones never show
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


@dataclass(frozen=True)
class ViewLink:
    view: View
    queue: Queue | None
    count: Count | None = None  # None until counted (the rail's counts come after the page)

    @property
    def key(self) -> str:
        return f"{self.view.value}-{self.queue.id}" if self.queue else self.view.value


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


def conditions(
    filters: ListFilters, viewer: User, zone: str, *, walking_clocks: bool = False
) -> list[ColumnElement[bool]]:
    """The tickets a view with its filters holds, as the viewer may see them.
    ``walking_clocks``: the rows come from a join on their open clock (the nearest
    deadline order), which already says "a clock is due" and "the ticket is open"; said
    twice, the planner counts each condition's selectivity twice and picks a sort of
    every open ticket over a walk down the index."""
    found: list[ColumnElement[bool]] = visible_to(viewer)
    if not walking_clocks:  # the runs say which statuses (see _runs)
        statuses = _statuses(filters)
        found.append(
            Ticket.status.in_(statuses) if statuses else Ticket.status != Status.MERGED.value
        )
    if not (walking_clocks and filters.view == View.AT_RISK):
        found += _view_conditions(filters, viewer)
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


def _statuses(filters: ListFilters) -> tuple[str, ...]:
    return filters.statuses or _DEFAULT_STATUSES.get(filters.view, ())


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


@dataclass(frozen=True)
class _Run:
    """A stretch of the list in one order: its rows' sort key (a constant for rows that
    all sort alike, then paged by id alone), what they meet, and the tables it joins."""

    key: ColumnElement[datetime]
    where: list[ColumnElement[bool]]
    descending: bool = False
    constant: bool = False
    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = ()


def _runs(filters: ListFilters, where: list[ColumnElement[bool]]) -> list[_Run]:
    """Latest activity is one run down an index. Nearest deadline is three: open tickets
    with a clock still due, soonest first, walked down the partial index of open clocks
    (each ticket once, at its nearest clock); then open tickets with nothing due; then
    resolved and closed ones (both by id)."""
    if filters.order == Sort.ACTIVITY:
        return [_Run(Ticket.last_activity_at, where, descending=True)]
    chosen = _statuses(filters) or _LISTED
    open_ones = tuple(s for s in chosen if s in _OPEN)
    ended_ones = tuple(s for s in chosen if s not in _OPEN)
    clock, earlier = aliased(TicketDeadline), aliased(TicketDeadline)
    nearest = ~exists().where(
        earlier.ticket_id == clock.ticket_id,
        earlier.met_at.is_(None),
        earlier.paused_since.is_(None),
        tuple_(earlier.due_at, earlier.id) < tuple_(clock.due_at, clock.id),
    )
    due = _Run(
        clock.due_at,
        [
            *where,
            clock.met_at.is_(None),
            clock.paused_since.is_(None),
            Ticket.status.in_(open_ones),
            nearest,
        ],
        joins=((clock, clock.ticket_id == Ticket.id),),
    )
    if filters.view == View.AT_RISK:
        return [due] if open_ones else []
    waiting = [*where, Ticket.status.in_(open_ones), ~_running_deadline().exists()]
    ended = [*where, Ticket.status.in_(ended_ones)]
    runs = []
    if open_ones:
        runs += [due, _Run(literal(NO_DEADLINE, UTCDateTime()), waiting, constant=True)]
    if ended_ones:
        runs.append(_Run(literal(ENDED, UTCDateTime()), ended, constant=True))
    return runs


def _fetch(
    session: Session, run: _Run, after: Cursor | None, backwards: bool, limit: int
) -> list[tuple[Ticket, datetime]]:
    """Up to ``limit`` rows of one run after (or, backwards, before) the cursor."""
    where = list(run.where)
    reverse = run.descending != backwards
    if after is not None:
        at_id = bindparam("cursor_id", after.ticket_id)
        if run.constant:
            where.append(Ticket.id < at_id if reverse else Ticket.id > at_id)
        else:
            mark = tuple_(bindparam("cursor_at", after.at, type_=UTCDateTime()), at_id)
            pair = tuple_(run.key, Ticket.id)
            where.append(pair < mark if reverse else pair > mark)
    order = (run.key.desc(), Ticket.id.desc()) if reverse else (run.key, Ticket.id)
    if run.constant:
        order = (Ticket.id.desc(),) if reverse else (Ticket.id,)
    statement = select(Ticket, run.key.label("sort_key"))
    for target, onclause in run.joins:
        statement = statement.join(target, onclause)
    rows = session.execute(
        statement.where(*where)
        .options(
            selectinload(Ticket.contact).selectinload(Contact.identities),
            selectinload(Ticket.queue),
            selectinload(Ticket.assignee),
        )
        .order_by(*order)
        .limit(limit)
    ).all()
    return [(ticket, key) for ticket, key in rows]


def ticket_page(
    session: Session,
    filters: ListFilters,
    viewer: User,
    *,
    zone: str,
    cursor: Cursor | None = None,
    per_page: int = 30,
) -> ListPage:
    """One page of the list: ``per_page`` rows after (or before) the cursor, walking into
    the next run of the order when one runs out."""
    walking = filters.order == Sort.DEADLINE
    runs = _runs(filters, conditions(filters, viewer, zone, walking_clocks=walking))
    backwards = cursor is not None and cursor.backwards
    start = _run_of(runs, cursor) if cursor is not None else 0
    order = list(reversed(runs[: start + 1])) if backwards else runs[start:]
    found: list[tuple[Ticket, datetime]] = []
    for n, run in enumerate(order):
        found += _fetch(
            session, run, cursor if n == 0 else None, backwards, per_page + 1 - len(found)
        )
        if len(found) > per_page:
            break
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    keys = [(key, ticket.id) for ticket, key in found]
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    sort = filters.order
    return ListPage(
        rows=_rows(session, [ticket for ticket, _ in found]),
        next_cursor=Cursor(sort, *keys[-1]).encode() if keys and has_next else None,
        prev_cursor=Cursor(sort, *keys[0], backwards=True).encode() if keys and has_prev else None,
    )


def _run_of(runs: list[_Run], cursor: Cursor) -> int:
    """The run a cursor's row belongs to: the one whose constant key it carries."""
    for n, run in enumerate(runs):
        if run.constant and run.key.value == cursor.at:  # type: ignore[attr-defined]
            return n
    return 0


def page_count(session: Session, filters: ListFilters, viewer: User, *, zone: str) -> Count:
    """How many tickets the view with its filters holds (capped)."""
    return capped_counts(session, {"page": conditions(filters, viewer, zone)})["page"]


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


def view_links(session: Session, viewer: User) -> list[ViewLink]:
    """The views down the side of the list: Mine, Unassigned, each queue the viewer works
    (every active queue for supervisors and above who belong to none), SLA at risk,
    Pending, On hold, Resolved and All."""
    queues = sorted(viewer.queues, key=lambda q: q.name.lower())
    if not queues and viewer.has_role(Role.SUPERVISOR):
        queues = active_queues(session)
    links = [ViewLink(View.MINE, None), ViewLink(View.UNASSIGNED, None)]
    links += [ViewLink(View.QUEUE, q) for q in queues]
    others = (View.AT_RISK, View.PENDING, View.ON_HOLD, View.RESOLVED, View.ALL)
    return links + [ViewLink(v, None) for v in others]


def views_with_counts(session: Session, viewer: User, *, zone: str) -> list[ViewLink]:
    """The views, each with its count, all counted in one statement."""
    links = view_links(session, viewer)
    counts = capped_counts(
        session,
        {
            link.key: conditions(
                ListFilters(view=link.view, queue_id=link.queue.id if link.queue else None),
                viewer,
                zone,
            )
            for link in links
        },
    )
    return [replace(link, count=counts[link.key]) for link in links]


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


@dataclass(frozen=True)
class DebtorTicket:
    folio: str
    subject: str
    status: str
    last_activity_at: datetime


DEBTOR_TICKETS = 5  # the debtor panel lists the newest few; the list has the rest


def debtor_tickets(
    session: Session, ticket: Ticket, viewer: User, *, limit: int = DEBTOR_TICKETS
) -> list[DebtorTicket]:
    """The debtor's other tickets the viewer may see, newest activity first (one query;
    merged ones left out: they live on in another ticket)."""
    rows = session.execute(
        select(Ticket.folio, Ticket.subject, Ticket.status, Ticket.last_activity_at)
        .where(
            Ticket.contact_id == ticket.contact_id,
            Ticket.id != ticket.id,
            Ticket.status != Status.MERGED.value,
            *visible_to(viewer),
        )
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [DebtorTicket(*row) for row in rows]
