"""Which tickets a transaction changed, written to ``search_changes`` in that same
transaction, and one indexing job queued for after its commit.

A flush that adds or changes a ticket or a message (notes, replies, intake groups alike)
records its ticket; the row commits or rolls back with the change, so the index can never
miss a committed change, even when the process dies before the job runs.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.search.models import SearchChange
from helpdesk.tickets.models import Message, Ticket

_QUEUED = "search.job_queued"


def changed_ticket_ids(session: Session) -> set[int]:
    ids = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Ticket) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, Message) and obj.ticket_id is not None:
            ids.add(obj.ticket_id)
    return ids


def mark(session: Session, ticket_ids: set[int]) -> None:
    """Record ``ticket_ids`` as changed (an upsert) and queue the indexing job once."""
    if not ticket_ids:
        return
    rows = [{"ticket_id": i, "changed_at": clock.now()} for i in sorted(ticket_ids)]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SearchChange.__table__).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["ticket_id"], set_={"changed_at": statement.excluded.changed_at}
    )
    session.connection().execute(statement)
    if not session.info.get(_QUEUED):
        from helpdesk.jobs import enqueue_after_commit
        from helpdesk.search.jobs import index_changes_job

        session.info[_QUEUED] = True
        enqueue_after_commit(session, index_changes_job, queue="search")


def _after_flush(session: Session, _context: Any) -> None:
    mark(session, changed_ticket_ids(session))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_QUEUED, None)


def connect() -> None:
    """Called once by the app factory."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_soft_rollback", _forget)
