"""Reads of ratings: a ticket's, and the figures and table the reports show.

The report functions take the report's ticket conditions (``reports.scope``), so a
rating is counted exactly when its ticket is one the viewer may see and asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Numeric, cast, func, select
from sqlalchemy.orm import Session, aliased

from helpdesk.queues.models import Queue
from helpdesk.ratings.models import Rating
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

SCORES = (1, 2, 3, 4, 5)


def ratings_of(session: Session, ticket_id: int) -> list[Rating]:
    """Every rating of a ticket (one per resolution), oldest first."""
    statement = (
        select(Rating).where(Rating.ticket_id == ticket_id).order_by(Rating.created_at, Rating.id)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True)
class Csat:
    """Ratings given in a period: how many, their average (2 decimals) and how many of each
    score (1 to 5, every score present)."""

    count: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    def percent(self, score: int) -> float:
        return round(100 * self.distribution[score] / self.count, 1) if self.count else 0.0


def _in_period(
    conditions: Sequence[ColumnElement[bool]], start_at: datetime, end_at: datetime
) -> list[ColumnElement[bool]]:
    return [*conditions, Rating.created_at >= start_at, Rating.created_at < end_at]


def csat(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    *,
    start_at: datetime,
    end_at: datetime,
) -> Csat:
    """Average and distribution counted by the database, never a rating loaded."""
    where = _in_period(conditions, start_at, end_at)
    rows = session.execute(
        select(Rating.score, func.count())
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(*where)
        .group_by(Rating.score)
    ).all()
    distribution = dict.fromkeys(SCORES, 0)
    for score, count in rows:
        distribution[int(score)] = int(count)
    count = sum(distribution.values())
    average = session.scalar(
        select(func.round(func.avg(cast(Rating.score, Numeric(10, 4))), 2))
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(*where)
    )
    return Csat(
        count=count,
        average=None if average is None else round(float(average), 2),
        distribution=distribution,
    )


def rating_rows(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    *,
    start_at: datetime,
    end_at: datetime,
) -> Iterator[tuple[Any, ...]]:
    """(folio, agent, queue, score, comment, created_at) of each rating in the period,
    newest first, streamed a batch at a time."""
    agent, queue = aliased(User), aliased(Queue)
    statement = (
        select(
            Ticket.folio, agent.name, queue.name, Rating.score, Rating.comment, Rating.created_at
        )
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .outerjoin(agent, agent.id == Rating.agent_id)
        .outerjoin(queue, queue.id == Rating.queue_id)
        .where(*_in_period(conditions, start_at, end_at))
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .execution_options(yield_per=500)
    )
    for row in session.execute(statement):
        yield tuple(row)
