"""Writes an admin makes to reminders: schedules, their steps, countries' contact rules.

Each write is checked (a bad rule or step must never stop the dispatcher), flushed, and
audited; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.reminders.models import ContactRule, ReminderSchedule, ReminderStep
from helpdesk.reminders.rules import Rule, save_rule
from helpdesk.sla.calendar import DAY_NAMES
from helpdesk.sla.services import COUNTRIES, CalendarInputError, parse_calendar_input

CHANNELS = ("email", "whatsapp")
MAX_OFFSET = 365


class ReminderError(FieldError):
    """A write that cannot be made; ``field`` names the form field to blame."""


def save_schedule(
    session: Session,
    schedule: ReminderSchedule | None,
    *,
    creditor: str,
    portfolio: str,
    name: str,
    country: str,
    is_active: bool,
    actor: Actor,
    now: datetime,
) -> ReminderSchedule:
    if country not in COUNTRIES:
        raise ReminderError("country", _l("Unknown country."))
    clash = session.scalar(
        select(ReminderSchedule.id).where(
            ReminderSchedule.creditor == creditor.strip(),
            ReminderSchedule.portfolio == portfolio.strip(),
        )
    )
    if clash is not None and (schedule is None or clash != schedule.id):
        raise ReminderError("portfolio", _l("This portfolio already has a schedule."))
    row = schedule or ReminderSchedule(created_at=now)
    before = _schedule_values(row) if schedule else None
    row.creditor, row.portfolio, row.name = creditor.strip(), portfolio.strip(), name.strip()
    row.country, row.is_active, row.updated_at = country, is_active, now
    session.add(row)
    session.flush()
    action = "reminder_schedule.updated" if schedule else "reminder_schedule.created"
    record(session, actor, action, row, now=now, before=before, after=_schedule_values(row))
    return row


def add_step(
    session: Session,
    schedule: ReminderSchedule,
    *,
    offset_days: int,
    channel: str,
    template_name: str | None = None,
    template_language: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    actor: Actor,
    now: datetime,
) -> ReminderStep:
    _check_step(schedule, offset_days, channel, template_name, subject, body)
    step = ReminderStep(
        offset_days=offset_days,
        channel=channel,
        template_name=(template_name or "").strip() or None,
        template_language=(template_language or "").strip() or None,
        subject=(subject or "").strip() or None,
        body=(body or "").strip() or None,
    )
    schedule.steps.append(step)
    schedule.updated_at = now
    session.flush()
    record(session, actor, "reminder_step.added", schedule, now=now, after={"step": step.key})
    return step


def delete_step(session: Session, step: ReminderStep, *, actor: Actor, now: datetime) -> None:
    """Remove a step (its send log goes with it: the step no longer exists)."""
    schedule = step.schedule
    record(session, actor, "reminder_step.deleted", schedule, now=now, before={"step": step.key})
    schedule.steps.remove(step)
    schedule.updated_at = now
    session.flush()


def save_contact_rule(
    session: Session,
    *,
    country: str,
    timezone: str,
    weekly: Mapping[str, str],
    skip_holidays: bool,
    max_per_day: int | None,
    max_per_week: int | None,
    max_channels_per_week: int | None,
    requires_consent: bool,
    actor: Actor,
    now: datetime,
) -> ContactRule:
    """Hours as an admin types them (``"07:00-19:00"`` per day name), checked."""
    if country not in COUNTRIES:
        raise ReminderError("country", _l("Unknown country."))
    try:
        config = parse_calendar_input(timezone=timezone, weekly=weekly)
    except CalendarInputError as error:
        raise ReminderError(error.field, error.message) from None
    if not config["weekly_hours"]:
        raise ReminderError("mon", _l("Allow contact on at least one day."))
    for field, value in (
        ("max_per_day", max_per_day),
        ("max_per_week", max_per_week),
        ("max_channels_per_week", max_channels_per_week),
    ):
        if value is not None and value < 1:
            raise ReminderError(field, _l("Leave it empty for no limit, or give 1 or more."))
    rule = Rule(
        country,
        config["timezone"],
        config["weekly_hours"],
        skip_holidays,
        max_per_day,
        max_per_week,
        max_channels_per_week,
        requires_consent,
    )
    row = save_rule(session, rule, now=now)
    record(session, actor, "contact_rule.saved", row, now=now, after=_rule_values(rule))
    return row


def rule_form_values(rule: Rule) -> dict[str, Any]:
    """A rule as the strings the admin form shows."""
    hours = {
        day: ", ".join(f"{a}-{b}" for a, b in rule.weekly_hours.get(day, [])) for day in DAY_NAMES
    }
    return {**_rule_values(rule), **hours}


def _check_step(
    schedule: ReminderSchedule,
    offset_days: int,
    channel: str,
    template_name: str | None,
    subject: str | None,
    body: str | None,
) -> None:
    if channel not in CHANNELS:
        raise ReminderError("channel", _l("Unknown channel."))
    if abs(offset_days) > MAX_OFFSET:
        raise ReminderError("offset_days", _l("At most 365 days before or after."))
    if channel == "whatsapp" and not (template_name or "").strip():
        raise ReminderError(
            "template_name", _l("WhatsApp reminders need an approved template name.")
        )
    if bool((subject or "").strip()) != bool((body or "").strip()):
        raise ReminderError("body", _l("Give both a subject and a text, or neither."))
    if any(s.offset_days == offset_days and s.channel == channel for s in schedule.steps):
        raise ReminderError("offset_days", _l("This schedule already has that step."))


def _schedule_values(row: ReminderSchedule) -> dict[str, Any]:
    return {
        "creditor": row.creditor,
        "portfolio": row.portfolio,
        "name": row.name,
        "country": row.country,
        "is_active": row.is_active,
    }


def _rule_values(rule: Rule) -> dict[str, Any]:
    return {
        "country": rule.country,
        "timezone": rule.timezone,
        "skip_holidays": rule.skip_holidays,
        "max_per_day": rule.max_per_day,
        "max_per_week": rule.max_per_week,
        "max_channels_per_week": rule.max_channels_per_week,
        "requires_consent": rule.requires_consent,
    }
