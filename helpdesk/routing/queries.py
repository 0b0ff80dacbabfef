"""Reads for the tag administration screen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.routing.models import RoutingRule, Tag, ticket_tags


@dataclass(frozen=True)
class TagRow:
    name: str
    tickets: int


def tag_rows(session: Session) -> list[TagRow]:
    """Every tag, named by an admin or carried by a ticket, with how many tickets have it."""
    counts = dict(
        session.execute(select(ticket_tags.c.tag, func.count()).group_by(ticket_tags.c.tag)).all()
    )
    names = set(session.scalars(select(Tag.name))) | set(counts)
    return [TagRow(name=n, tickets=counts.get(n, 0)) for n in sorted(names)]


def rule_by_id(session: Session, rule_id: int | None) -> RoutingRule | None:
    return session.get(RoutingRule, rule_id) if rule_id else None
