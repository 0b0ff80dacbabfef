"""Writes of the reports package: report subscriptions (subscribe, cancel, claim a period's
delivery), and the refill of ``report_tickets``.

A delivery is claimed by inserting its row first (inside a savepoint); the unique key
(subscription, scheduled period) lets exactly one scheduler win. A failed delivery is
claimed again by an UPDATE that only one scheduler can make (status and attempts in its
WHERE), up to ``MAX_ATTEMPTS``. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from helpdesk.audit.services import Actor, record
from helpdesk.reports.models import (
    FREQUENCIES,
    ReportDelivery,
    ReportSubscription,
    ReportTicket,
)
from helpdesk.reports.scope import Filters, Period, ReportError
from helpdesk.sla.models import Target, TicketDeadline
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User

SEND_AT = time(8)  # local time of the subscriber: Monday (weekly) or the 1st (monthly)
MAX_ATTEMPTS = 3


def subscribe(
    session: Session,
    user: User,
    *,
    frequency: str,
    filters: Filters,
    zone: str,
    actor: Actor,
    now: datetime,
) -> ReportSubscription:
    if frequency not in FREQUENCIES:
        raise ReportError("unknown_frequency")
    Period(now.date(), now.date(), zone)  # refuses an unknown zone
    subscription = ReportSubscription(
        user=user, frequency=frequency, filters=filters.as_dict(), timezone=zone, created_at=now
    )
    session.add(subscription)
    session.flush()
    record(
        session,
        actor,
        "report.subscribed",
        subscription,
        now=now,
        after={"frequency": frequency, "filters": filters.as_dict(), "timezone": zone},
    )
    return subscription


def cancel(
    session: Session, subscription: ReportSubscription, *, actor: Actor, now: datetime
) -> None:
    if subscription.cancelled_at is not None:
        return
    subscription.cancelled_at = now
    record(session, actor, "report.unsubscribed", subscription, now=now)
    session.flush()


def due_period(subscription: ReportSubscription, now: datetime) -> Period:
    """The last period whose report is due at ``now``: last week (Monday to Sunday) from
    Monday 08:00, last month from the 1st at 08:00, in the subscriber's zone."""
    zone = ZoneInfo(subscription.timezone)
    local = now.astimezone(zone)
    if subscription.frequency == "weekly":
        monday = local.date() - timedelta(days=local.weekday())
        if local.time() < SEND_AT and local.weekday() == 0:
            monday -= timedelta(days=7)
        return Period(monday - timedelta(days=7), monday - timedelta(days=1), subscription.timezone)
    first = local.date().replace(day=1)
    if local.day == 1 and local.time() < SEND_AT:
        first = (first - timedelta(days=1)).replace(day=1)
    last_month_end = first - timedelta(days=1)
    return Period(last_month_end.replace(day=1), last_month_end, subscription.timezone)


def month_so_far(subscription: ReportSubscription, now: datetime) -> Period:
    """What "send now" sends: the current week or month up to today."""
    today = now.astimezone(ZoneInfo(subscription.timezone)).date()
    start = (
        today - timedelta(days=today.weekday())
        if subscription.frequency == "weekly"
        else today.replace(day=1)
    )
    return Period(start, today, subscription.timezone)


def claim(
    session: Session,
    subscription: ReportSubscription,
    period: Period,
    *,
    now: datetime,
    scheduled: bool = True,
) -> ReportDelivery | None:
    """The delivery row this caller now owns, or None when another one has it (or it was
    sent, or failed too often)."""
    row = ReportDelivery(
        subscription_id=subscription.id,
        scheduled_for=period.start if scheduled else None,
        period_start=period.start,
        period_end=period.end,
        status="sending",
        attempts=1,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return _claim_again(session, subscription, period, now=now)
    return row


def _claim_again(
    session: Session, subscription: ReportSubscription, period: Period, *, now: datetime
) -> ReportDelivery | None:
    found = session.scalar(
        select(ReportDelivery).where(
            ReportDelivery.subscription_id == subscription.id,
            ReportDelivery.scheduled_for == period.start,
        )
    )
    if found is None or found.status != "failed" or found.attempts >= MAX_ATTEMPTS:
        return None
    taken = session.execute(
        update(ReportDelivery)
        .where(
            ReportDelivery.id == found.id,
            ReportDelivery.status == "failed",
            ReportDelivery.attempts == found.attempts,
        )
        .values(status="sending", attempts=found.attempts + 1, error=None)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    session.refresh(found)
    return found


DELIVERIES = Actor.system("reports")


def mark_sent(session: Session, delivery: ReportDelivery, *, now: datetime) -> None:
    delivery.status, delivery.sent_at, delivery.error = "sent", now, None
    _record_delivery(session, "report.sent", delivery, now=now)


def mark_failed(session: Session, delivery: ReportDelivery, reason: str, *, now: datetime) -> None:
    delivery.status, delivery.error = "failed", reason[:500]
    _record_delivery(session, "report.failed", delivery, now=now)


def _record_delivery(
    session: Session, action: str, delivery: ReportDelivery, *, now: datetime
) -> None:
    """Who received which report, when (or why not), in the audit log like every send."""
    record(
        session,
        DELIVERIES,
        action,
        delivery,
        now=now,
        after={
            "subscription": delivery.subscription_id,
            "period": f"{delivery.period_start.isoformat()}/{delivery.period_end.isoformat()}",
            "attempt": delivery.attempts,
            **({"error": delivery.error} if delivery.error else {}),
        },
    )


TICKET_FACTS = (
    "queue_id",
    "assignee_id",
    "type",
    "channel",
    "merged_into_id",
    "created_at",
    "resolved_at",
    "closed_at",
)
# target → the prefix of its columns in report_tickets
CLOCK_FACTS = {Target.FIRST_RESPONSE: "first", Target.RESOLUTION: "resolution"}
# (suffix in report_tickets, column of ticket_deadlines)
CLOCK_SOURCES = (("due_at", "due_at"), ("met_at", "met_at"), ("minutes", "used_minutes"))


def refill_report_tickets(session: Session) -> int:
    """Rewrite every row of ``report_tickets`` from ``tickets`` and ``ticket_deadlines``;
    the number of rows. The triggers keep the table by themselves: this is for a bulk load
    made with them switched off (the benchmark), or to check them (the tests)."""
    session.execute(delete(ReportTicket))
    columns = [ReportTicket.id, *(getattr(ReportTicket, name) for name in TICKET_FACTS)]
    values = [Ticket.id, *(getattr(Ticket, name) for name in TICKET_FACTS)]
    joined = Ticket.__table__
    for target, prefix in CLOCK_FACTS.items():
        clock = aliased(TicketDeadline, name=f"{prefix}_clock")
        on = and_(clock.ticket_id == Ticket.id, clock.target == target.value)
        joined = joined.outerjoin(clock, on)
        for fact, source in CLOCK_SOURCES:
            columns.append(getattr(ReportTicket, f"{prefix}_{fact}"))
            values.append(getattr(clock, source))
    statement = insert(ReportTicket).from_select(columns, select(*values).select_from(joined))
    session.execute(statement)
    return int(session.scalar(select(func.count()).select_from(ReportTicket)) or 0)
