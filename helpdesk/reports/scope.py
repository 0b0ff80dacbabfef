"""What a report covers: the period, the filters a manager chose, and what the viewer may see.

The three are plain values, parsed once at the boundary (the dashboard's query string, the
CLI's options, a subscription's saved filters), so every figure is computed from the same
description and a report can be rebuilt exactly from its JSON header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import exists, select
from sqlalchemy.sql.elements import ColumnElement

from helpdesk.accounts.models import CollectionAccount
from helpdesk.reminders.models import ReminderSchedule
from helpdesk.sla.services import COUNTRIES
from helpdesk.tickets.models import Ticket, ticket_accounts
from helpdesk.users.models import Role, User, user_queues

MAX_DAYS = 400  # a year and a bit: enough for "the last twelve months" in any zone
WEEKLY_AFTER_DAYS = 31  # longer periods are charted by week


class ReportError(ValueError):
    """A report cannot be made as asked (the message says why, for people)."""


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both whole local days included, in ``zone``."""

    start: date
    end: date
    zone: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ReportError("end_before_start")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise ReportError("too_long")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ReportError("unknown_zone") from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive end)."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @cached_property  # read per bucket row of a year's report: worked out once
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def weekly(self) -> bool:
        return len(self.days) > WEEKLY_AFTER_DAYS


@dataclass(frozen=True)
class Filters:
    """What a manager narrowed the report to; empty means everything."""

    queue_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    # A team is a queue's members: their tickets, whichever queue each ticket is in.
    team_ids: tuple[int, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    creditors: tuple[str, ...] = ()
    portfolios: tuple[str, ...] = ()
    # A portfolio's country is the one its reminder schedule sets (one jurisdiction's
    # book, chosen once by an admin): the debtors' law, whatever queue handles them.
    countries: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[Any]]:
        return {name: list(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Filters:
        return cls(**{name: tuple(values.get(name) or ()) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Scope:
    """What the viewer may see: ``queue_ids`` None means every queue; ``assignee_id`` set
    means only tickets assigned to that agent (an agent sees their own figures)."""

    queue_ids: frozenset[int] | None = None
    assignee_id: int | None = None
    label: str = field(default="all", compare=False)


EVERYTHING = Scope()


def scope_for(user: User) -> Scope:
    """Managers and admins: every queue; supervisors: the queues they belong to; agents:
    their own tickets."""
    if user.has_role(Role.MANAGER):
        return EVERYTHING
    if user.has_role(Role.SUPERVISOR):
        return Scope(queue_ids=frozenset(q.id for q in user.queues), label="queues")
    return Scope(assignee_id=user.id, label="own")


def ticket_conditions(
    filters: Filters, scope: Scope, tickets: Any = Ticket
) -> list[ColumnElement[bool]]:
    """The tickets a report counts: not merged away, inside the scope and the filters.

    ``tickets`` is what the conditions are spelled on: ``Ticket``, or the report's narrow
    copy of it (``ReportTicket``), whose columns have the same names."""
    conditions: list[ColumnElement[bool]] = [tickets.merged_into_id.is_(None)]
    if scope.queue_ids is not None:
        conditions.append(tickets.queue_id.in_(sorted(scope.queue_ids)))
    if scope.assignee_id is not None:
        conditions.append(tickets.assignee_id == scope.assignee_id)
    if filters.queue_ids:
        conditions.append(tickets.queue_id.in_(filters.queue_ids))
    if filters.agent_ids:
        conditions.append(tickets.assignee_id.in_(filters.agent_ids))
    if filters.team_ids:
        members = select(user_queues.c.user_id).where(user_queues.c.queue_id.in_(filters.team_ids))
        conditions.append(tickets.assignee_id.in_(members))
    if filters.types:
        conditions.append(tickets.type.in_(filters.types))
    if filters.channels:
        conditions.append(tickets.channel.in_(filters.channels))
    if filters.creditors or filters.portfolios or filters.countries:
        conditions.append(_has_account(filters, tickets))
    return conditions


def narrows(filters: Filters, scope: Scope) -> bool:
    """Whether the report counts only some of the period's tickets (a filter or a
    viewer's scope), as opposed to every one of them."""
    return filters != Filters() or scope.queue_ids is not None or scope.assignee_id is not None


def _has_account(filters: Filters, tickets: Any) -> ColumnElement[bool]:
    wanted = [ticket_accounts.c.ticket_id == tickets.id]
    if filters.creditors:
        wanted.append(CollectionAccount.creditor.in_(filters.creditors))
    if filters.portfolios:
        wanted.append(CollectionAccount.portfolio.in_(filters.portfolios))
    linked = ticket_accounts.join(
        CollectionAccount, CollectionAccount.id == ticket_accounts.c.account_id
    )
    if filters.countries:
        linked = linked.join(
            ReminderSchedule,
            (ReminderSchedule.creditor == CollectionAccount.creditor)
            & (ReminderSchedule.portfolio == CollectionAccount.portfolio),
        )
        wanted.append(ReminderSchedule.country.in_(filters.countries))
    return exists(select(1).select_from(linked).where(*wanted))


def from_query(
    values: Mapping[str, Sequence[str]], *, zone: str, today: date
) -> tuple[Period, Filters]:
    """The period and filters of a query string (``from``, ``to``, ``queue``, ``agent``,
    ``team``, ``type``, ``channel``, ``creditor``, ``portfolio``, ``country``); the month so
    far by default."""

    def first(name: str) -> str:
        return (values.get(name) or [""])[0].strip()

    start = _parse_date(first("from")) or today.replace(day=1)
    end = _parse_date(first("to")) or today
    period = Period(start, end, zone)
    filters = Filters(
        queue_ids=_ids(values.get("queue") or (), "unknown_queue"),
        agent_ids=_ids(values.get("agent") or (), "unknown_agent"),
        team_ids=_ids(values.get("team") or (), "unknown_team"),
        types=_words(values.get("type")),
        channels=_words(values.get("channel")),
        creditors=_words(values.get("creditor")),
        portfolios=_words(values.get("portfolio")),
        countries=country_codes(values.get("country") or ()),
    )
    return period, filters


def as_query(period: Period, filters: Filters) -> dict[str, Any]:
    """The inverse of :func:`from_query`, for links that keep the same report."""
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "queue": list(filters.queue_ids),
        "agent": list(filters.agent_ids),
        "team": list(filters.team_ids),
        "type": list(filters.types),
        "channel": list(filters.channels),
        "creditor": list(filters.creditors),
        "portfolio": list(filters.portfolios),
        "country": list(filters.countries),
    }


def _parse_date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportError("bad_date") from None


def country_codes(values: Sequence[str]) -> tuple[str, ...]:
    """``mx, CO`` → ``("CO", "MX")``; a code we do not know is an error, not ignored."""
    wanted = {v.strip().upper() for v in values if v.strip()}
    if wanted - set(COUNTRIES):
        raise ReportError("unknown_country")
    return tuple(sorted(wanted))


def _ids(values: Sequence[str], error: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(v) for v in values if v.strip()}))
    except ValueError:
        raise ReportError(error) from None


def _words(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(sorted({v.strip()[:120] for v in values or () if v.strip()}))
