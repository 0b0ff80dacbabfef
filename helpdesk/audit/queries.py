"""The audit log for admins: filtered, newest first, a page at a time without counting
the table (keyset on the id), and every matching row streamed for the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    object_type: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None  # the id to ask ``before`` for the next (older) page


def _filtered(audit_filter: AuditFilter) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if audit_filter.user_id is not None:
        query = query.where(AuditEvent.actor_user_id == audit_filter.user_id)
    if audit_filter.object_type:
        query = query.where(AuditEvent.object_type == audit_filter.object_type)
    if audit_filter.since is not None:
        query = query.where(AuditEvent.created_at >= audit_filter.since)
    if audit_filter.until is not None:
        query = query.where(AuditEvent.created_at < audit_filter.until)
    return query


def audit_page(
    session: Session,
    audit_filter: AuditFilter,
    *,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    query = _filtered(audit_filter)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows, rows[-1].id if more and rows else None)


def audit_stream(session: Session, audit_filter: AuditFilter) -> Iterator[AuditEvent]:
    """Every matching event, newest first, fetched in batches."""
    query = _filtered(audit_filter).order_by(AuditEvent.id.desc())
    yield from session.scalars(query.execution_options(yield_per=500))


def history_of(
    session: Session, object_type: str, object_id: int, *, limit: int = 50
) -> list[AuditEvent]:
    """The newest events of one object, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.created_at.desc())
            .limit(limit)
        )
    )
