"""Reads for the screens: an account's reminders and the next one, and why it waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from helpdesk.accounts.models import CollectionAccount
from helpdesk.holds.queries import hold_state
from helpdesk.reminders import rules as contact_rules
from helpdesk.reminders.dispatcher import debtor_timezone, step_moment
from helpdesk.reminders.log import FINAL_REASONS, FINAL_STATUSES
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep


@dataclass(frozen=True)
class NextReminder:
    step: ReminderStep
    at: datetime  # the step's moment, or later when it was deferred
    status: str | None  # what the send log says so far (deferred, skipped) or None
    reason: str | None
    held_by: list[dict[str, Any]]  # the holds that stop it: ticket folio and type


def account_reminders(
    session: Session, account_id: int, *, limit: int = 50
) -> list[ReminderDispatch]:
    return list(
        session.scalars(
            select(ReminderDispatch)
            .options(joinedload(ReminderDispatch.step))
            .where(ReminderDispatch.account_id == account_id)
            .order_by(ReminderDispatch.at.desc(), ReminderDispatch.id.desc())
            .limit(limit)
        )
    )


def schedule_for(session: Session, account: CollectionAccount) -> ReminderSchedule | None:
    return session.scalar(
        select(ReminderSchedule).where(
            ReminderSchedule.creditor == account.creditor,
            ReminderSchedule.portfolio == account.portfolio,
            ReminderSchedule.is_active,
        )
    )


def next_reminder(
    session: Session, account: CollectionAccount, *, now: datetime
) -> NextReminder | None:
    """The first reminder of the current due date that has not gone out or been dropped."""
    schedule = schedule_for(session, account)
    if schedule is None or account.status == "closed" or account.next_due_date is None:
        return None
    rows = {
        row.step_id: row
        for row in session.scalars(
            select(ReminderDispatch).where(
                ReminderDispatch.account_id == account.id,
                ReminderDispatch.due_date == account.next_due_date,
            )
        )
    }
    zone = debtor_timezone(
        account.contact.timezone if account.contact else None,
        contact_rules.rule_for(session, schedule.country).timezone,
    )
    for step in schedule.steps:
        row = rows.get(step.id)
        if row is not None and (row.status in FINAL_STATUSES or row.reason in FINAL_REASONS):
            continue
        at = step_moment(account.next_due_date, step.offset_days, zone)
        if row is not None and row.until is not None:
            at = max(at, row.until)
        return NextReminder(
            step=step,
            at=at,
            status=row.status if row else None,
            reason=row.reason if row else None,
            held_by=_held_by(session, account, step.channel, now=now),
        )
    return None


def _held_by(
    session: Session, account: CollectionAccount, channel: str, *, now: datetime
) -> list[dict[str, Any]]:
    state = hold_state(session, account, now=now)
    return [r for r in state["reasons"] if r["channel"] in (None, channel)]


def schedule_by_id(session: Session, schedule_id: int | None) -> ReminderSchedule | None:
    return session.get(ReminderSchedule, schedule_id) if schedule_id else None


def step_by_id(session: Session, step_id: int) -> ReminderStep | None:
    return session.get(ReminderStep, step_id)


def all_schedules(session: Session) -> list[ReminderSchedule]:
    return list(
        session.scalars(
            select(ReminderSchedule).order_by(ReminderSchedule.creditor, ReminderSchedule.portfolio)
        )
    )
