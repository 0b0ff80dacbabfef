"""Writing audit events. Every state change calls ``record`` in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEvent


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
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event for ``obj`` (which must already have an id)."""
    if obj.id is None:
        session.flush()
    event = AuditEvent(
        created_at=now,
        actor_user_id=actor.user_id,
        actor_kind=actor.kind,
        actor_label=actor.label,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        ticket_id=ticket_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event
