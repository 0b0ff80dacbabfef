"""Reads of the reports package: the whole report (one function, so the dashboard, the
JSON, the CSV and the PDF cannot disagree), what the filter form offers, subscriptions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.queues.models import Queue
from helpdesk.ratings.queries import Csat, csat
from helpdesk.reminders.models import ReminderSchedule
from helpdesk.reports import labels
from helpdesk.reports.figures import (
    TARGETS,
    Breach,
    Compliance,
    Day,
    Figures,
    GroupRow,
    OpenHold,
    total,
)
from helpdesk.reports.models import ReportDelivery, ReportSubscription
from helpdesk.reports.scope import Filters, Period, ReportError, Scope, ticket_conditions
from helpdesk.reports.sql import report_planner
from helpdesk.users.models import User, user_queues


@dataclass
class Report:
    period: Period
    filters: Filters
    scope: Scope
    generated_at: datetime
    opened: int = 0
    resolved: int = 0
    backlog: int = 0
    sla: dict[str, Compliance] = field(default_factory=dict)
    times: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    breaches: list[Breach] = field(default_factory=list)
    backlog_ages: list[tuple[str, int]] = field(default_factory=list)
    outcomes_by_type: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    outcomes_by_creditor: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    holds_ended: int = 0
    hold_days: tuple[float | None, float | None] = (None, None)
    longest_holds: list[OpenHold] = field(default_factory=list)
    reminders_skipped: int = 0
    complaints_by_cause: list[tuple[str, int]] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    queues: list[GroupRow] = field(default_factory=list)
    agents: list[GroupRow] = field(default_factory=list)
    # Ratings given in the period on the tickets the report covers (helpdesk/ratings).
    csat: Csat = field(default_factory=Csat)

    @property
    def is_empty(self) -> bool:
        return not (self.opened or self.resolved or self.backlog)

    @property
    def breach_count(self) -> int:
        return sum(self.sla[t].breached for t in TARGETS)

    def timeline(self) -> list[Day]:
        """The days, or weeks (from Monday) when the period is long: what the charts draw."""
        if not self.period.weekly:
            return self.days
        weeks: dict[date, list[Day]] = defaultdict(list)
        for day in self.days:
            weeks[day.day - timedelta(days=day.day.weekday())].append(day)
        return [
            Day(
                start,
                sum(d.opened for d in days),
                sum(d.resolved for d in days),
                {t: total([d.sla[t] for d in days]) for t in TARGETS},
            )
            for start, days in weeks.items()
        ]


def build_report(
    session: Session, period: Period, filters: Filters, scope: Scope, *, now: datetime
) -> Report:
    """Every figure of the report for ``period``, as seen by ``scope``, at ``now``."""
    with report_planner(session):
        return _build_report(session, period, filters, scope, now=now)


def _build_report(
    session: Session, period: Period, filters: Filters, scope: Scope, *, now: datetime
) -> Report:
    figures = Figures(session, period, filters, scope, now)
    report = Report(period=period, filters=filters, scope=scope, generated_at=now)
    report.opened, report.resolved, report.backlog = figures.totals()
    report.sla = figures.compliance()
    report.times = figures.times()
    report.breaches = figures.breaches()
    report.backlog_ages = figures.backlog_ages()
    report.outcomes_by_type, report.outcomes_by_creditor = figures.outcomes()
    report.holds_ended, report.hold_days = figures.hold_durations()
    report.longest_holds = figures.longest_holds()
    report.reminders_skipped = figures.reminders_skipped()
    report.complaints_by_cause = figures.complaints_by_cause()
    report.days = figures.days()
    report.queues = figures.groups("queue", _queue_names(session))
    report.agents = figures.groups("agent", _agent_names(session))
    report.csat = csat(
        session,
        ticket_conditions(filters, scope),
        start_at=period.start_at,
        end_at=period.end_at,
    )
    return report


def _queue_names(session: Session) -> dict[int | None, str]:
    names: dict[int | None, str] = {k: v for k, v in session.execute(select(Queue.id, Queue.name))}
    return names


def _agent_names(session: Session) -> dict[int | None, str]:
    names: dict[int | None, str] = {k: v for k, v in session.execute(select(User.id, User.name))}
    return names


@dataclass(frozen=True)
class Choices:
    """What the dashboard's filter form offers the viewer."""

    queues: list[tuple[int, str]]
    agents: list[tuple[int, str]]
    creditors: list[str]
    teams: list[tuple[int, str]] = field(default_factory=list)  # queues with members
    countries: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of portfolios


def filter_choices(session: Session, scope: Scope) -> Choices:
    queues = select(Queue.id, Queue.name).where(Queue.archived_at.is_(None)).order_by(Queue.name)
    if scope.queue_ids is not None:
        queues = queues.where(Queue.id.in_(sorted(scope.queue_ids)))
    agents = select(User.id, User.name).order_by(User.name)
    if scope.assignee_id is not None:
        agents = agents.where(User.id == scope.assignee_id)
    creditors = select(CollectionAccount.creditor).distinct().order_by(CollectionAccount.creditor)
    countries = select(ReminderSchedule.country).distinct().order_by(ReminderSchedule.country)
    staffed = queues.where(
        select(user_queues.c.user_id).where(user_queues.c.queue_id == Queue.id).exists()
    )
    return Choices(
        queues=[(i, n) for i, n in session.execute(queues)],
        agents=[(i, n) for i, n in session.execute(agents)],
        creditors=list(session.scalars(creditors)),
        teams=[(i, n) for i, n in session.execute(staffed)],
        countries=[(c, labels.country(c)) for c in session.scalars(countries)],
    )


def queue_ids_named(session: Session, names: Sequence[str]) -> tuple[int, ...]:
    """The ids of queues given by name or slug (the CLI's ``--queue``)."""
    found = {}
    for queue_id, name, slug in session.execute(select(Queue.id, Queue.name, Queue.slug)):
        found[name.casefold()] = found[slug.casefold()] = queue_id
    missing = [n for n in names if n.casefold() not in found]
    if missing:
        raise ReportError("unknown_queue", missing)
    return tuple(sorted({found[n.casefold()] for n in names}))


def subscriptions_due(session: Session) -> list[ReportSubscription]:
    """Every subscription not cancelled, for the scheduler."""
    statement = (
        select(ReportSubscription)
        .where(ReportSubscription.cancelled_at.is_(None))
        .order_by(ReportSubscription.id)
    )
    return list(session.scalars(statement))


def subscriptions_of(session: Session, user_id: int) -> list[ReportSubscription]:
    statement = (
        select(ReportSubscription)
        .where(ReportSubscription.user_id == user_id, ReportSubscription.cancelled_at.is_(None))
        .order_by(ReportSubscription.id)
    )
    return list(session.scalars(statement))


def subscription_of(
    session: Session, subscription_id: int, user_id: int
) -> ReportSubscription | None:
    """A subscription of this user (another user's is not found)."""
    found = session.get(ReportSubscription, subscription_id)
    return found if found is not None and found.user_id == user_id else None


def deliveries_of(
    session: Session, subscription_ids: Sequence[int], *, limit: int = 20
) -> list[ReportDelivery]:
    if not subscription_ids:
        return []
    statement = (
        select(ReportDelivery)
        .where(ReportDelivery.subscription_id.in_(subscription_ids))
        .order_by(ReportDelivery.created_at.desc(), ReportDelivery.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))
