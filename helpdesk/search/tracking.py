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
from sqlalchemy.orm import Session

from helpdesk.search.changes import record_changes
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
    """Record ``ticket_ids`` as changed and queue the indexing job once per transaction."""
    if not ticket_ids:
        return
    record_changes(session, ticket_ids)
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
