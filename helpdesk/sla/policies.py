"""SLA policies: saving them (bad input refused with a clear message) and finding the one
that applies to a ticket."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.db import forget_cache, transaction_cache
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.sla.models import SlaCalendar, SlaPolicy, Target, Unit
from helpdesk.tickets.vocabulary import Priority, TicketType

_CACHE = "aclara.sla_policies"  # session.info key: queue id -> its policies
MAX_AMOUNT = {
    Unit.BUSINESS_MINUTES: 60 * 24 * 366,
    Unit.BUSINESS_DAYS: 366,
    Unit.CALENDAR_DAYS: 366,
}


class PolicyError(FieldError):
    """A policy that cannot be saved; ``field`` names the culprit."""


@dataclass(frozen=True)
class PolicyValues:
    """Everything a policy is made of, as plain values (what the form gives)."""

    name: str
    queue: Queue
    calendar: SlaCalendar
    priority: str | None = None
    ticket_type: str | None = None
    first_response_amount: int | None = None
    first_response_unit: str = Unit.BUSINESS_MINUTES
    next_response_amount: int | None = None
    next_response_unit: str = Unit.BUSINESS_MINUTES
    resolution_amount: int | None = None
    resolution_unit: str = Unit.BUSINESS_MINUTES
    warning_percent: int = 80
    escalate_notify: bool = True
    escalate_raise_priority: bool = False
    escalate_queue: Queue | None = None


def save_policy(
    session: Session,
    policy: SlaPolicy | None,
    values: PolicyValues,
    *,
    actor: Actor,
    now: datetime,
) -> SlaPolicy:
    """Create (``policy`` None) or update a policy. Flushes; raises PolicyError."""
    _check(session, policy, values)
    before = _snapshot(policy) if policy else None
    if policy is None:
        policy = SlaPolicy(created_at=now)
        session.add(policy)
    for field in fields(values):
        setattr(policy, field.name, getattr(values, field.name))
    policy.name = values.name.strip()
    policy.updated_at = now
    session.flush()
    forget_policies(session)
    action = "sla.policy_changed" if before else "sla.policy_created"
    record(session, actor, action, policy, now=now, before=before, after=_snapshot(policy))
    return policy


def delete_policy(session: Session, policy: SlaPolicy, *, actor: Actor, now: datetime) -> None:
    record(session, actor, "sla.policy_deleted", policy, now=now, before=_snapshot(policy))
    session.delete(policy)
    session.flush()
    forget_policies(session)


def policy_for(
    session: Session, queue_id: int | None, priority: str, ticket_type: str
) -> SlaPolicy | None:
    """The most specific policy of the queue for this priority and type, if any."""
    if queue_id is None:
        return None
    cache = transaction_cache(session, _CACHE)  # dropped when the transaction ends
    if queue_id not in cache:
        cache[queue_id] = session.scalars(
            select(SlaPolicy).where(SlaPolicy.queue_id == queue_id)
        ).all()
    return best_policy(cache[queue_id], priority, ticket_type)


def forget_policies(session: Session) -> None:
    """Drop the session's policy cache: it lives for one transaction at most, and less
    when a policy is saved or deleted."""
    forget_cache(session, _CACHE)


def best_policy(
    candidates: list[SlaPolicy] | tuple[SlaPolicy, ...], priority: str, ticket_type: str
) -> SlaPolicy | None:
    fitting = [
        p
        for p in candidates
        if p.priority in (None, priority) and p.ticket_type in (None, ticket_type)
    ]
    return max(
        fitting,
        key=lambda p: (p.ticket_type is not None, p.priority is not None),
        default=None,
    )


def _check(session: Session, policy: SlaPolicy | None, values: PolicyValues) -> None:
    if not values.name.strip():
        raise PolicyError("name", _l("Give the policy a name."))
    if values.priority is not None and values.priority not in {p.value for p in Priority}:
        raise PolicyError("priority", _l("Unknown priority: %(value)s", value=values.priority))
    known_types = {t.value for t in TicketType}
    if values.ticket_type is not None and values.ticket_type not in known_types:
        raise PolicyError("ticket_type", _l("Unknown type: %(value)s", value=values.ticket_type))
    if not 1 <= values.warning_percent <= 99:
        raise PolicyError("warning_percent", _l("The warning must be between 1 and 99 percent."))
    for target in Target:
        _check_target(values, target)
    if all(getattr(values, f"{t.value}_amount") is None for t in Target):
        raise PolicyError("first_response_amount", _l("Give the policy at least one target."))
    if values.escalate_queue is not None and values.escalate_queue.id == values.queue.id:
        raise PolicyError("escalate_queue", _l("Escalate to a different queue."))
    clash = session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.queue_id == values.queue.id,
            _is(SlaPolicy.priority, values.priority),
            _is(SlaPolicy.ticket_type, values.ticket_type),
        )
    )
    if clash is not None and clash is not policy:
        raise PolicyError(
            "priority", _l("This queue already has a policy for that priority and type.")
        )


def _check_target(values: PolicyValues, target: Target) -> None:
    field = f"{target.value}_amount"
    amount = getattr(values, field)
    unit = getattr(values, f"{target.value}_unit")
    if unit not in {u.value for u in Unit}:
        raise PolicyError(f"{target.value}_unit", _l("Unknown unit: %(value)s", value=unit))
    if amount is None:
        return
    if amount <= 0:
        raise PolicyError(field, _l("A target must be a positive number."))
    if amount > MAX_AMOUNT[Unit(unit)]:
        raise PolicyError(field, _l("That target is longer than a year."))


def _is(column: object, value: str | None) -> object:
    return column.is_(None) if value is None else column == value  # type: ignore[attr-defined]


def _snapshot(policy: SlaPolicy) -> dict[str, object]:
    return {
        "name": policy.name,
        "queue_id": policy.queue_id,
        "priority": policy.priority,
        "type": policy.ticket_type,
        "calendar_id": policy.calendar_id,
        **{
            t.value: [getattr(policy, f"{t.value}_amount"), getattr(policy, f"{t.value}_unit")]
            for t in Target
        },
        "warning_percent": policy.warning_percent,
    }
