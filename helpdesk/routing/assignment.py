"""Who gets a ticket inside its queue: manual, round-robin or least-loaded.

Only active, available members of the queue whose open tickets are below their capacity
are candidates. With the queue's ``match_skills`` on, an agent must also have every skill
the ticket is tagged with (tags that are some agent's skill) and, when the agent lists
languages, speak the debtor's. A supervisor can hand back an unavailable agent's tickets.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.queues.models import Queue
from helpdesk.routing.models import agent_skills, ticket_tags
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import OPEN_STATUSES
from helpdesk.users.models import Role, User


class Strategy(StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


STRATEGY_LABELS = {
    Strategy.MANUAL: _l("Manual"),
    Strategy.ROUND_ROBIN: _l("Round-robin"),
    Strategy.LEAST_LOADED: _l("Least loaded"),
}
_OPEN = [s.value for s in OPEN_STATUSES]


def open_load(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Open tickets per agent."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Ticket.assignee_id, func.count(Ticket.id))
        .where(Ticket.assignee_id.in_(user_ids), Ticket.status.in_(_OPEN))
        .group_by(Ticket.assignee_id)
    ).all()
    return {user_id: count for user_id, count in rows}


def skills_of(session: Session, user_ids: list[int]) -> dict[int, dict[str, set[str]]]:
    found: dict[int, dict[str, set[str]]] = defaultdict(lambda: {"skill": set(), "language": set()})
    if user_ids:
        rows = session.execute(
            select(agent_skills).where(agent_skills.c.user_id.in_(user_ids))
        ).all()
        for user_id, kind, value in rows:
            found[user_id].setdefault(kind, set()).add(value)
    return found


def candidates(session: Session, queue: Queue, ticket: Ticket) -> list[tuple[User, int]]:
    """Eligible agents with their open load, ordered by id."""
    members = sorted(
        (u for u in queue.members if u.is_active and u.is_available),
        key=lambda u: u.id,
    )
    load = open_load(session, [u.id for u in members])
    eligible = [(u, load.get(u.id, 0)) for u in members if load.get(u.id, 0) < u.capacity]
    if queue.match_skills:
        eligible = _with_skills(session, eligible, ticket)
    return eligible


def pick(session: Session, queue: Queue, ticket: Ticket) -> User | None:
    eligible = candidates(session, queue, ticket)
    if not eligible:
        return None
    if queue.assignment_strategy == Strategy.LEAST_LOADED:
        return min(eligible, key=lambda pair: (pair[1], pair[0].id))[0]
    last = queue.round_robin_user_id or 0
    after = [u for u, _load in eligible if u.id > last]
    chosen = after[0] if after else eligible[0][0]
    queue.round_robin_user_id = chosen.id
    return chosen


def auto_assign(session: Session, ticket: Ticket, *, actor: Actor, now: datetime) -> User | None:
    """Assign by the queue's strategy when the ticket has nobody; None if it stays so."""
    queue = ticket.queue
    if ticket.assignee is not None or queue is None:
        return None
    if queue.assignment_strategy not in (Strategy.ROUND_ROBIN, Strategy.LEAST_LOADED):
        return None
    agent = pick(session, queue, ticket)
    if agent is not None:
        tickets.assign(session, ticket, agent, actor=actor, now=now)
    return agent


def set_availability(
    session: Session, user: User, available: bool, *, actor: Actor, now: datetime
) -> None:
    if user.is_available == available:
        return
    user.is_available = available
    record(
        session,
        actor,
        "user.availability_changed",
        user,
        now=now,
        before={"available": not available},
        after={"available": available},
    )


def reassign_unavailable(session: Session, user: User, *, actor: Actor, now: datetime) -> int:
    """Take the open tickets of an unavailable agent and assign them anew by their queue's
    strategy (unassigned where the queue is manual or nobody fits). Returns how many."""
    if user.is_available:
        raise ValueError("the agent is available")
    owned = session.scalars(
        select(Ticket)
        .where(Ticket.assignee_id == user.id, Ticket.status.in_(_OPEN))
        .order_by(Ticket.id)
    ).all()
    for ticket in owned:
        tickets.assign(session, ticket, None, actor=actor, now=now)
        auto_assign(session, ticket, actor=actor, now=now)
    return len(owned)


def save_profile(
    session: Session,
    user: User,
    *,
    capacity: int,
    skills: list[str],
    languages: list[str],
    actor: Actor,
    now: datetime,
) -> None:
    if capacity < 0:
        raise ValueError("capacity must be >= 0")
    user.capacity = capacity
    session.execute(delete(agent_skills).where(agent_skills.c.user_id == user.id))
    rows = [{"user_id": user.id, "kind": "skill", "value": s} for s in dict.fromkeys(skills)]
    rows += [{"user_id": user.id, "kind": "language", "value": v} for v in dict.fromkeys(languages)]
    if rows:
        session.execute(insert(agent_skills), rows)
    record(
        session,
        actor,
        "user.skills_changed",
        user,
        now=now,
        after={"capacity": capacity, "skills": skills, "languages": languages},
    )


def staff_members(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]), User.is_active_user)
            .order_by(User.name)
        )
    )


def _with_skills(
    session: Session, eligible: list[tuple[User, int]], ticket: Ticket
) -> list[tuple[User, int]]:
    profiles = skills_of(session, [u.id for u, _ in eligible])
    known = {s for p in profiles.values() for s in p.get("skill", set())}
    tags = set(
        session.scalars(select(ticket_tags.c.tag).where(ticket_tags.c.ticket_id == ticket.id))
    )
    needed = tags & known
    language = (ticket.contact.language or "")[:2]
    kept = []
    for user, load in eligible:
        profile = profiles[user.id]
        speaks = profile.get("language", set())
        if needed <= profile.get("skill", set()) and (not speaks or language in speaks):
            kept.append((user, load))
    return kept


def save_queue_settings(
    session: Session,
    queue: Queue,
    *,
    strategy: str,
    match_skills: bool,
    actor: Actor,
    now: datetime,
) -> None:
    strategy = Strategy(strategy).value
    before = {"strategy": queue.assignment_strategy, "match_skills": queue.match_skills}
    queue.assignment_strategy, queue.match_skills = strategy, match_skills
    after = {"strategy": strategy, "match_skills": match_skills}
    if before != after:
        record(
            session, actor, "queue.assignment_changed", queue, now=now, before=before, after=after
        )
