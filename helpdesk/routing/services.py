"""Routing writes: managing rules, routing a new ticket, tags. Services flush, never commit.

``route_new_ticket`` is called by ``intake.receive`` for every ticket it opens (the one
door every channel uses): rules pick queue, priority, type and tags, then the queue's
assignment strategy picks an agent. SLA clocks follow through ``events.ticket_changed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from helpdesk import events
from helpdesk.accounts.models import CollectionAccount
from helpdesk.accounts.queries import accounts_of_contact
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor, record
from helpdesk.db import cached, transaction_cache
from helpdesk.queues.models import Queue
from helpdesk.routing import assignment
from helpdesk.routing.models import RoutingRule, ticket_tags
from helpdesk.routing.rules import (
    AccountFacts,
    Facts,
    Outcome,
    RuleError,
    clean_actions,
    clean_conditions,
    evaluate,
)
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

ROUTING = Actor.system("routing")


class Arrival(Protocol):
    """What routing reads of the message that opened a ticket (``intake.inbound.Inbound``
    has it): routing sits below intake and does not import it."""

    @property
    def recipients(self) -> Sequence[str]: ...

    @property
    def language(self) -> str | None: ...


def active_rules(session: Session) -> list[RoutingRule]:
    known = cached(session, _ACTIVE_RULES)
    if known is not None:
        return known["rules"]
    return list(
        session.scalars(
            select(RoutingRule)
            .where(RoutingRule.is_active)
            .order_by(RoutingRule.position, RoutingRule.id)
        )
    )


def prefetch_rules(session: Session) -> None:
    """Keep the active rules for the rest of the transaction (a group of messages routed
    together; rules are not edited inside such a transaction)."""
    rules = active_rules(session)
    transaction_cache(session, _ACTIVE_RULES)["rules"] = rules


_ACTIVE_RULES = "routing.active_rules"


def all_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def route_new_ticket(
    session: Session, ticket: Ticket, inbound: Arrival | None = None, *, now: datetime
) -> Outcome:
    """Apply the routing rules to a ticket just opened, then assign it."""
    facts = facts_for(session, ticket, inbound)
    outcome = evaluate(active_rules(session), facts)
    apply_outcome(session, ticket, outcome, now=now)
    record(
        session,
        ROUTING,
        "ticket.routed",
        ticket,
        now=now,
        ticket=ticket,
        after={"rules": list(outcome.matched), "recipients": list(facts.recipients)},
    )
    assignment.auto_assign(session, ticket, actor=ROUTING, now=now)
    return outcome


def update_ticket_routing(
    session: Session,
    ticket: Ticket,
    *,
    queue: Queue | None,
    priority: str,
    ticket_type: str,
    assignee: User | None,
    actor: Actor,
    now: datetime,
) -> None:
    """An agent's change of queue, priority, type and owner (each recomputes the clocks)."""
    tickets.set_queue(session, ticket, queue, actor=actor, now=now)
    tickets.set_priority(session, ticket, priority, actor=actor, now=now)
    tickets.set_type(session, ticket, ticket_type, actor=actor, now=now)
    tickets.assign(session, ticket, assignee, actor=actor, now=now)


def apply_outcome(session: Session, ticket: Ticket, outcome: Outcome, *, now: datetime) -> None:
    if outcome.queue_id is not None:
        queue = session.get(Queue, outcome.queue_id)
        if queue is not None and queue.is_active:
            tickets.set_queue(session, ticket, queue, actor=ROUTING, now=now)
    if outcome.priority:
        tickets.set_priority(session, ticket, outcome.priority, actor=ROUTING, now=now)
    if outcome.ticket_type:
        tickets.set_type(session, ticket, outcome.ticket_type, actor=ROUTING, now=now)
    add_tags(session, ticket, outcome.tags, actor=ROUTING, now=now)


def facts_for(session: Session, ticket: Ticket, inbound: Arrival | None = None) -> Facts:
    """What the rules see: the ticket, its first message, its (or its contact's) accounts,
    and the receiving addresses (from the inbound, or remembered when it was routed)."""
    first = next((m for m in ticket.messages if m.direction == "in"), None)
    return Facts(
        channel=ticket.channel,
        ticket_type=ticket.type,
        subject=ticket.subject,
        body=first.text if first else "",
        recipients=tuple(inbound.recipients) if inbound else _remembered(session, ticket),
        accounts=tuple(
            AccountFacts(a.portfolio, a.balance, a.days_past_due)
            for a in _accounts(session, ticket)
        ),
        language=(inbound.language if inbound and inbound.language else ticket.contact.language),
    )


def tags_of(session: Session, ticket_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ticket_tags.c.tag).where(ticket_tags.c.ticket_id == ticket_id).order_by("tag")
        )
    )


def add_tags(
    session: Session,
    ticket: Ticket,
    tags: tuple[str, ...] | list[str],
    *,
    actor: Actor,
    now: datetime,
) -> list[str]:
    new = [t for t in dict.fromkeys(tags) if t and t not in tags_of(session, ticket.id)]
    if not new:
        return []
    session.execute(insert(ticket_tags), [{"ticket_id": ticket.id, "tag": t} for t in new])
    record(session, actor, "ticket.tagged", ticket, now=now, ticket=ticket, after={"tags": new})
    # A tag can choose the SLA policy (a data-rights request's legal basis).
    events.ticket_changed.send(
        ticket, session=session, field="tags", before=None, after=new, actor=actor, now=now
    )
    return new


def remove_tag(session: Session, ticket: Ticket, tag: str, *, actor: Actor, now: datetime) -> bool:
    """Take ``tag`` off ``ticket``; False (and no audit event) when it did not carry it."""
    removed = session.execute(
        delete(ticket_tags).where(ticket_tags.c.ticket_id == ticket.id, ticket_tags.c.tag == tag)
    )
    if not removed.rowcount:
        return False
    record(
        session, actor, "ticket.untagged", ticket, now=now, ticket=ticket, before={"tags": [tag]}
    )
    events.ticket_changed.send(
        ticket, session=session, field="tags", before=[tag], after=None, actor=actor, now=now
    )
    return True


def save_rule(
    session: Session,
    rule: RoutingRule | None,
    *,
    name: str,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    stops: bool,
    is_active: bool,
    actor: Actor,
    now: datetime,
) -> RoutingRule:
    """Create (``rule`` None, placed last) or update a rule; raises RuleError."""
    if not name.strip():
        raise RuleError("name", _l("Give the rule a name."))
    cleaned = clean_conditions(conditions)
    queue_ids = session.scalars(select(Queue.id)).all()
    cleaned_actions = clean_actions(actions, queue_ids)
    if rule is None:
        last = session.scalar(select(func.max(RoutingRule.position))) or 0
        rule = RoutingRule(position=last + 1, created_at=now)
        session.add(rule)
    before = _snapshot(rule) if rule.id else None
    rule.name, rule.conditions, rule.actions = name.strip()[:120], cleaned, cleaned_actions
    rule.stops, rule.is_active, rule.updated_at = stops, is_active, now
    session.flush()
    action = "routing.rule_changed" if before else "routing.rule_created"
    record(session, actor, action, rule, now=now, before=before, after=_snapshot(rule))
    return rule


def move_rule(
    session: Session, rule: RoutingRule, step: int, *, actor: Actor, now: datetime
) -> None:
    """Move a rule one place up (``step`` -1) or down (+1) in the evaluation order."""
    rules = all_rules(session)
    index = rules.index(rule)
    other = index + step
    if not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, each in enumerate(rules, start=1):
        each.position = position
    session.flush()
    record(session, actor, "routing.rule_moved", rule, now=now, after={"position": rule.position})


def delete_rule(session: Session, rule: RoutingRule, *, actor: Actor, now: datetime) -> None:
    record(session, actor, "routing.rule_deleted", rule, now=now, before=_snapshot(rule))
    session.execute(delete(RoutingRule).where(RoutingRule.id == rule.id))
    session.expunge(rule)


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {"name": rule.name, "conditions": rule.conditions, "actions": rule.actions}


def _accounts(session: Session, ticket: Ticket) -> list[CollectionAccount]:
    if ticket.accounts:
        return list(ticket.accounts)
    return accounts_of_contact(session, ticket.contact.id)


def _remembered(session: Session, ticket: Ticket) -> tuple[str, ...]:
    after = session.scalar(
        select(AuditEvent.after)
        .where(AuditEvent.ticket_id == ticket.id, AuditEvent.action == "ticket.routed")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return tuple((after or {}).get("recipients", ()))
