"""The door to search for the rest of the app: query, index what changed, rebuild.

Staff only: results include internal notes; the portal never calls this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.queues.models import Queue
from helpdesk.search import documents
from helpdesk.search.changes import record_changes
from helpdesk.search.models import SearchChange
from helpdesk.search.postgres_index import PostgresIndex
from helpdesk.search.query import ParsedQuery, exact_folio, parse
from helpdesk.search.whoosh_index import Hit, VisibleTo, WhooshIndex
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import Role, User

log = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class SearchSettings:
    data_dir: Path
    phone_region: str | None = None
    backend: str = "whoosh"  # or "postgresql" (HELPDESK_SEARCH_BACKEND)


def backend_for(session: Session, settings: SearchSettings) -> WhooshIndex | PostgresIndex:
    if settings.backend == "postgresql":
        return PostgresIndex(session)
    return WhooshIndex(settings.data_dir)


@dataclass
class Result:
    hit: Hit
    ticket: Ticket


@dataclass
class Results:
    query: ParsedQuery
    results: list[Result] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    jump_to: str | None = None  # a folio typed alone that exists: open it
    account_id: int | None = None  # an account number typed alone: open the account
    rebuilding: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(
    session: Session,
    text: str,
    *,
    viewer: User,
    settings: SearchSettings,
    page: int = 1,
    per_page: int = 20,
) -> Results:
    parsed = resolve(session, parse(text), viewer=viewer, region=settings.phone_region)
    results = Results(query=parsed, page=max(1, page), per_page=per_page)
    folio = exact_folio(parsed)
    if folio and session.scalar(select(Ticket.id).where(Ticket.folio == folio)):
        results.jump_to = folio
        return results
    results.account_id = _account_alone(session, parsed)
    if parsed.is_empty:
        return results
    index = backend_for(session, settings)
    try:
        found = index.search(
            parsed, visible=visible_to(viewer), page=results.page, per_page=per_page
        )
    except Exception as error:  # a corrupt index: start again and say so, never a 500
        index.reset(error)
        _mark_everything(session)
        results.rebuilding = True
        return results
    if found.rebuilt:
        _mark_everything(session)
        results.rebuilding = True
    tickets = {
        t.id: t
        for t in session.scalars(
            select(Ticket).where(Ticket.id.in_([h.ticket_id for h in found.hits]))
        )
    }
    results.results = [
        Result(h, tickets[h.ticket_id]) for h in found.hits if h.ticket_id in tickets
    ]
    results.total = found.total
    return results


def resolve(
    session: Session, parsed: ParsedQuery, *, viewer: User, region: str | None
) -> ParsedQuery:
    """Names to ids for the index: ``queue:Cobranza`` -> the queue's id, ``assignee:me``
    -> the viewer, ``phone:`` -> digits. An unknown name matches nothing."""
    filters = parsed.filters
    if "queue" in filters:
        names = [v.lower() for v in filters["queue"]]
        ids = session.scalars(
            select(Queue.id).where(
                func.lower(Queue.name).in_(names) | func.lower(Queue.slug).in_(names)
            )
        ).all()
        filters["queue"] = [str(i) for i in ids] or ["-1"]
    if "assignee" in filters:
        filters["assignee"] = [
            str(viewer.id) if v.lower() in ("me", "yo", "mi", "mí") else _user_id(session, v)
            for v in filters["assignee"]
        ]
    if "phone" in filters:
        filters["phone"] = [documents.query_phone(v, region) for v in filters["phone"]]
    return parsed


def _user_id(session: Session, value: str) -> str:
    found = session.scalar(
        select(User.id).where(
            (func.lower(User.email) == value.lower()) | (func.lower(User.name) == value.lower())
        )
    )
    return str(found) if found else "-1"


def _account_alone(session: Session, parsed: ParsedQuery) -> int | None:
    """An account number typed alone (or as ``account:``) opens that account."""
    values = (
        parsed.words
        if not (parsed.phrases or parsed.filters)
        else parsed.filters.get("account", [])
    )
    if len(values) != 1 or len(parsed.words) + len(parsed.filters.get("account", [])) != 1:
        return None
    ids = session.scalars(
        select(CollectionAccount.id).where(CollectionAccount.number == values[0]).limit(2)
    ).all()
    return ids[0] if len(ids) == 1 else None


def visible_to(viewer: User) -> VisibleTo | None:
    """Supervisors and above see every queue; an agent sees their queues' tickets, the
    ones with no queue yet and the ones assigned to them."""
    if viewer.has_role(Role.SUPERVISOR):
        return None
    return VisibleTo(user_id=viewer.id, queue_ids=tuple(q.id for q in viewer.queues))


# --- Indexing -----------------------------------------------------------------------------


def index_next_batch(session: Session, *, settings: SearchSettings) -> int:
    """Index the oldest tickets of the change log and drop exactly the log rows that were
    read (a row changed again meanwhile stays for the next batch). Returns how many were
    handled; the caller commits, so the log and the index move together."""
    rows = session.execute(
        select(SearchChange.ticket_id, SearchChange.changed_at)
        .order_by(SearchChange.changed_at)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    ids = [ticket_id for ticket_id, _ in rows]
    built = documents.build(session, ids)
    present = {d.ticket_id for d in built}
    index = backend_for(session, settings)
    if index.write(built, removed=[i for i in ids if i not in present]):
        _mark_everything(session)
    for ticket_id, changed_at in rows:
        session.execute(
            delete(SearchChange).where(
                SearchChange.ticket_id == ticket_id, SearchChange.changed_at == changed_at
            )
        )
    return len(rows)


def _mark_everything(session: Session) -> None:
    """Every ticket into the change log (after an index was started again); the running
    job drains it, or the next one (the cron catch-up at the latest)."""
    record_changes(session, session.scalars(select(Ticket.id)).all())


def rebuild(
    session: Session, *, settings: SearchSettings, progress: Callable[[int], None] | None = None
) -> int:
    """Every ticket into a new index built aside; searches use the old one until the swap.
    Changes committed while it ran stay in the log for ``index_next_batch``; the older
    ones are dropped (the new index has them). The caller commits."""
    started = _now()
    ids = session.scalars(
        select(Ticket.id)
        .where(Ticket.merged_into_id.is_(None))
        .order_by(Ticket.last_activity_at, Ticket.id)  # oldest first: see WhooshIndex.rebuild
    ).all()

    def batches() -> Iterator[Sequence[documents.TicketDocument]]:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            batch = documents.build(session, chunk)
            session.expunge_all()  # flat memory at a million tickets
            if progress:
                progress(len(chunk))
            yield batch

    count = backend_for(session, settings).rebuild(batches())
    session.execute(delete(SearchChange).where(SearchChange.changed_at < started))
    return count


def _now() -> datetime:
    from helpdesk import clock

    return clock.now()


def status(session: Session, *, settings: SearchSettings) -> dict[str, object]:
    index = backend_for(session, settings)
    oldest = session.scalar(select(func.min(SearchChange.changed_at)))
    return {
        "backend": settings.backend,
        "path": str(index.path),
        "documents": index.count() if index.exists() else 0,
        "tickets": session.scalar(
            select(func.count(Ticket.id)).where(Ticket.merged_into_id.is_(None))
        ),
        "waiting": session.scalar(select(func.count()).select_from(SearchChange)),
        "oldest_waiting": oldest.isoformat() if oldest else None,
    }
