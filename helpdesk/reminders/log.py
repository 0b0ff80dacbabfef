"""The send log of reminders: one ``ReminderDispatch`` row per occurrence (account, step,
due date), updated as the occurrence moves, and an audit event on the account each time
what it says changes (a repeated "still on hold" is not a new event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.audit.services import Actor, record
from helpdesk.reminders.models import ReminderDispatch, ReminderStep

FINAL_STATUSES = ("sent", "failed")
FINAL_REASONS = ("superseded",)
ACTOR = Actor.system("reminders")


@dataclass(frozen=True)
class Occurrence:
    account_id: int
    step_id: int
    due_date: date
    moment: datetime


@dataclass(frozen=True)
class Decision:
    status: str  # send | sent | deferred | skipped | failed
    reason: str | None = None
    until: datetime | None = None
    external_id: str | None = None


def same_occurrence() -> Any:
    return and_(
        ReminderDispatch.account_id == CollectionAccount.id,
        ReminderDispatch.step_id == ReminderStep.id,
        ReminderDispatch.due_date == CollectionAccount.next_due_date,
    )


def pending(now: datetime) -> Any:
    """SQL for "no row yet, or a row to look at again" (see ``is_pending``)."""
    return or_(
        ReminderDispatch.id.is_(None),
        and_(
            ReminderDispatch.status.not_in(FINAL_STATUSES),
            or_(ReminderDispatch.reason.is_(None), ReminderDispatch.reason.not_in(FINAL_REASONS)),
            or_(ReminderDispatch.until.is_(None), ReminderDispatch.until <= now),
        ),
    )


def is_pending(row: ReminderDispatch, now: datetime) -> bool:
    if row.status in FINAL_STATUSES or row.reason in FINAL_REASONS:
        return False
    return row.until is None or row.until <= now


def current_row(session: Session, occurrence: Occurrence) -> ReminderDispatch | None:
    return session.scalar(
        select(ReminderDispatch)
        .where(
            ReminderDispatch.account_id == occurrence.account_id,
            ReminderDispatch.step_id == occurrence.step_id,
            ReminderDispatch.due_date == occurrence.due_date,
        )
        .execution_options(populate_existing=True)
    )


def claim(
    session: Session,
    row: ReminderDispatch | None,
    account: CollectionAccount,
    step: ReminderStep,
    occurrence: Occurrence,
    *,
    now: datetime,
) -> ReminderDispatch:
    """Mark the occurrence sent before sending: a racing worker's insert fails here."""
    if row is None:
        row = ReminderDispatch(
            account_id=account.id, step_id=step.id, due_date=occurrence.due_date, at=now
        )
        session.add(row)
    row.channel, row.status, row.reason, row.until = step.channel, "sent", None, None
    session.flush()
    return row


def write(
    session: Session,
    row: ReminderDispatch | None,
    account: CollectionAccount,
    step: ReminderStep,
    occurrence: Occurrence,
    decision: Decision,
    *,
    previous: tuple[Any, ...] | None,
    now: datetime,
) -> ReminderDispatch:
    """Record the decision; audit it on the account when it changes what the row said."""
    if row is None:
        row = ReminderDispatch(
            account_id=account.id, step_id=step.id, due_date=occurrence.due_date, at=now
        )
        session.add(row)
    current = (decision.status, decision.reason, decision.until)
    row.channel = step.channel
    row.status, row.reason, row.until = current
    if decision.status == "sent":
        row.sent_at, row.external_id = now, decision.external_id
    if current != previous:
        row.at = now
        _audit(session, account, step, decision, now=now)
    return row


def _audit(
    session: Session,
    account: CollectionAccount,
    step: ReminderStep,
    decision: Decision,
    *,
    now: datetime,
) -> None:
    after = {"account": account.number, "step": step.key, "channel": step.channel}
    if decision.reason:
        after["reason"] = decision.reason
    if decision.until:
        after["until"] = decision.until.isoformat()
    record(session, ACTOR, f"reminder.{decision.status}", account, now=now, after=after)
