"""Writing audit events. Every state change calls ``record`` in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent
from helpdesk.bulk import insert_rows


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a debtor (contact) or the system itself."""

    kind: str
    label: str
    user_id: int | None = None
    contact_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", label=label)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        return cls(kind="user", label=user.name or user.email, user_id=user.id)

    @classmethod
    def for_contact(cls, contact: Any) -> Actor:
        return cls(kind="contact", label=contact.display_name, contact_id=contact.id)


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any,
    *,
    now: datetime,
    ticket: Any = None,
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one audit event for ``obj`` (and ``ticket``, or ``ticket_id``), same transaction.

    Objects not flushed yet have no id: their event waits and is written by the next
    flush, in one INSERT with the others (forcing a flush per event made intake issue
    several round trips per message for nothing).
    """
    waiting = _Waiting(
        {
            "created_at": now,
            "actor_user_id": actor.user_id,
            "actor_kind": actor.kind,
            "actor_label": actor.label,
            "action": action,
            "object_type": obj.__tablename__,
            "ticket_id": ticket_id,
            "before": before,
            "after": after,
        },
        obj,
        ticket,
    )
    if waiting.ready():
        session.add(AuditEvent(**waiting.row()))
    else:
        session.info.setdefault(_WAITING, []).append(waiting)


def audit_row(
    actor: Actor, action: str, object_type: str, object_id: int, *, now: datetime, after: dict
) -> dict[str, Any]:
    """One audit event as a row for a bulk insert (``helpdesk.bulk.insert_rows``): what
    ``record`` writes, for imports that store thousands of objects at once."""
    return {
        "created_at": now,
        "actor_user_id": actor.user_id,
        "actor_kind": actor.kind,
        "actor_label": actor.label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "ticket_id": None,
        "before": None,
        "after": after,
    }


_WAITING = "audit.waiting"


@dataclass
class _Waiting:
    """An event whose object (or ticket) gets its id at the next flush."""

    values: dict[str, Any]
    obj: Any
    ticket: Any

    def ready(self) -> bool:
        # Flushed, not merely numbered: a group's objects get reserved ids before their
        # rows exist, and the event's ticket_id must not be written ahead of its ticket.
        return _flushed(self.obj) and (self.ticket is None or _flushed(self.ticket))

    def row(self) -> dict[str, Any]:
        ticket_id = self.ticket.id if self.ticket is not None else self.values["ticket_id"]
        return {**self.values, "object_id": self.obj.id, "ticket_id": ticket_id}


def _flushed(obj: Any) -> bool:
    state = inspect(obj, raiseerr=False)  # None for a stand-in that is not a mapped row
    return obj.id is not None and (state is None or state.has_identity)


@event.listens_for(Session, "after_flush_postexec")
def _write_waiting(session: Session, flush_context: Any) -> None:
    """Insert the events whose objects the flush just gave ids, in one statement."""
    waiting = session.info.get(_WAITING)
    if not waiting:
        return
    ready, still = [], []
    for waiting_event in waiting:
        (ready if waiting_event.ready() else still).append(waiting_event)
    session.info[_WAITING] = still
    # A mail group's flush brings a few hundred: COPY on PostgreSQL, INSERT otherwise.
    insert_rows(session, AuditEvent.__table__, [e.row() for e in ready])


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: Any) -> None:
    # Objects that lost their pending state in a rollback will never get an id.
    waiting = session.info.get(_WAITING)
    if waiting:
        session.info[_WAITING] = [e for e in waiting if e.obj in session]
