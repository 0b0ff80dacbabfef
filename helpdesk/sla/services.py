"""SLA configuration, written by admins: business calendars (parsing what an admin
types, saving) and policies (the targets of a queue, by priority and type).

Bad input is refused at save time with a translated message naming the field: no
working time at all, overlapping slots, an unknown time zone or country, a bad date; a
policy without a target, with an unknown priority or type, or a target over a year.
Reads (the policy of a ticket, a calendar's arithmetic) are in ``helpdesk.sla.queries``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.sla.calendar import DAY_NAMES, BusinessCalendar, CalendarError
from helpdesk.sla.models import SlaCalendar, SlaPolicy, Target, Unit
from helpdesk.sla.queries import forget_policies
from helpdesk.tickets.vocabulary import Priority, TicketType

COUNTRIES = ("MX", "CO", "AR", "US")
_SLOT = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_CLOSED_WORDS = {"closed", "cerrado", "-", ""}


class CalendarInputError(ValueError):
    """A calendar that cannot be saved; ``field`` names the culprit."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def parse_calendar_input(
    *,
    timezone: str,
    weekly: Mapping[str, str],
    country: str = "",
    subdiv: str = "",
    extra_closed_dates: str = "",
    exceptions: str = "",
) -> dict[str, Any]:
    """What an admin typed (``weekly``: day name -> "09:00-14:00, 15:00-18:00") as a
    calendar config, checked. Raises :class:`CalendarInputError`."""
    _check_zone(timezone.strip())
    config: dict[str, Any] = {
        "timezone": timezone.strip(),
        "weekly_hours": {
            day: _parse_slots(weekly.get(day, ""), day) for day in DAY_NAMES if weekly.get(day)
        },
        "country": country.strip().upper() or None,
        "subdiv": subdiv.strip().upper() or None,
        "extra_closed_dates": [
            _parse_date(line, "extra_closed_dates").isoformat()
            for line in _lines(extra_closed_dates)
        ],
        "exceptions": dict(_parse_exception(line) for line in _lines(exceptions)),
    }
    config["weekly_hours"] = {day: slots for day, slots in config["weekly_hours"].items() if slots}
    check_config(config)
    return config


def check_config(config: Mapping[str, Any]) -> BusinessCalendar:
    """Build the calendar, turning the arithmetic's complaints into translated ones."""
    _check_zone(config.get("timezone", ""))
    if config.get("country") and config["country"] not in COUNTRIES:
        raise CalendarInputError(
            "country", _l("Unknown country %(code)s: use MX, CO, AR or US.", code=config["country"])
        )
    has_hours = any(config.get("weekly_hours", {}).values())
    if not has_hours and not any(config.get("exceptions", {}).values()):
        raise CalendarInputError(
            "mon", _l("The calendar has no working time at all: give at least one day hours.")
        )
    try:
        return BusinessCalendar.from_config(config)
    except CalendarError as error:
        field = "subdiv" if "subdivision" in str(error) else "mon"
        raise CalendarInputError(
            field, _l("This calendar cannot work: %(reason)s", reason=str(error))
        ) from None


def save_calendar(
    session: Session,
    calendar: SlaCalendar | None,
    *,
    name: str,
    config: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> SlaCalendar:
    """Create (``calendar`` None) or update a calendar. Flushes."""
    name = name.strip()
    if not name:
        raise CalendarInputError("name", _l("Give the calendar a name."))
    clash = session.scalar(select(SlaCalendar).where(func.lower(SlaCalendar.name) == name.lower()))
    if clash is not None and clash is not calendar:
        raise CalendarInputError("name", _l("A calendar with this name already exists."))
    check_config(config)
    before = {"name": calendar.name, "config": calendar.config} if calendar else None
    if calendar is None:
        calendar = SlaCalendar(created_at=now)
        session.add(calendar)
    calendar.name, calendar.config, calendar.updated_at = name, config, now
    session.flush()
    action = "sla.calendar_changed" if before else "sla.calendar_created"
    record(session, actor, action, calendar, now=now, before=before, after={"name": name})
    return calendar


def form_values(calendar: SlaCalendar) -> dict[str, Any]:
    """A stored calendar as the strings the form shows."""
    config = calendar.config
    weekly = config.get("weekly_hours", {})
    return {
        "name": calendar.name,
        "timezone": config["timezone"],
        "country": config.get("country") or "",
        "subdiv": config.get("subdiv") or "",
        **{day: ", ".join(f"{a}-{b}" for a, b in weekly.get(day, [])) for day in DAY_NAMES},
        "extra_closed_dates": "\n".join(config.get("extra_closed_dates", [])),
        "exceptions": "\n".join(
            f"{day}: " + (", ".join(f"{a}-{b}" for a, b in slots) or "cerrado")
            for day, slots in config.get("exceptions", {}).items()
        ),
    }


def _check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarInputError(
            "timezone", _l("Unknown time zone: %(zone)s", zone=zone or "—")
        ) from None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _parse_slots(value: str, field: str) -> list[list[str]]:
    slots = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        match = _SLOT.match(part)
        if match is None:
            raise CalendarInputError(
                field, _l("Write hours as 09:00-14:00, separated by commas: %(value)s", value=part)
            )
        start, end = (_parse_time(t, field) for t in match.groups())
        if end != "24:00" and end <= start:
            raise CalendarInputError(field, _l("%(slot)s ends before it starts.", slot=part))
        slots.append([start, end])
    slots.sort()
    for (_, end), (start, _) in pairwise(slots):
        if end > start:
            raise CalendarInputError(field, _l("The hours %(slots)s overlap.", slots=value.strip()))
    return slots


def _parse_time(value: str, field: str) -> str:
    hours, minutes = (int(part) for part in value.split(":"))
    if (hours, minutes) == (24, 0):
        return "24:00"
    try:
        return time(hours, minutes).strftime("%H:%M")
    except ValueError:
        raise CalendarInputError(field, _l("Invalid time: %(value)s", value=value)) from None


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CalendarInputError(
            field, _l("Invalid date %(value)s: use YYYY-MM-DD.", value=value)
        ) from None


def _parse_exception(line: str) -> tuple[str, list[list[str]]]:
    day, _, hours = line.partition(":") if line[:10].count("-") == 2 else ("", "", "")
    if not day:
        raise CalendarInputError(
            "exceptions", _l("Write exceptions as 2026-12-24: 09:00-13:00 (or: closed).")
        )
    hours = hours.strip()
    slots = [] if hours.lower() in _CLOSED_WORDS else _parse_slots(hours, "exceptions")
    return _parse_date(day, "exceptions").isoformat(), slots


# --- Policies -------------------------------------------------------------------------

MAX_AMOUNT = {
    Unit.BUSINESS_MINUTES: 60 * 24 * 366,
    Unit.BUSINESS_DAYS: 366,
    Unit.CALENDAR_DAYS: 366,
}


class PolicyError(FieldError):
    """A policy that cannot be saved; ``field`` names the culprit."""


@dataclass(frozen=True)
class PolicyValues:
    """Everything a policy is made of, as plain values (what the form gives)."""

    name: str
    queue: Queue
    calendar: SlaCalendar
    priority: str | None = None
    ticket_type: str | None = None
    tag: str | None = None
    first_response_amount: int | None = None
    first_response_unit: str = Unit.BUSINESS_MINUTES
    next_response_amount: int | None = None
    next_response_unit: str = Unit.BUSINESS_MINUTES
    resolution_amount: int | None = None
    resolution_unit: str = Unit.BUSINESS_MINUTES
    warning_percent: int = 80
    escalate_notify: bool = True
    escalate_raise_priority: bool = False
    escalate_queue: Queue | None = None


def save_policy(
    session: Session,
    policy: SlaPolicy | None,
    values: PolicyValues,
    *,
    actor: Actor,
    now: datetime,
) -> SlaPolicy:
    """Create (``policy`` None) or update a policy. Flushes; raises PolicyError."""
    _check(session, policy, values)
    before = _snapshot(policy) if policy else None
    if policy is None:
        policy = SlaPolicy(created_at=now)
        session.add(policy)
    for field in fields(values):
        setattr(policy, field.name, getattr(values, field.name))
    policy.name = values.name.strip()
    policy.updated_at = now
    session.flush()
    forget_policies(session)
    action = "sla.policy_changed" if before else "sla.policy_created"
    record(session, actor, action, policy, now=now, before=before, after=_snapshot(policy))
    return policy


def delete_policy(session: Session, policy: SlaPolicy, *, actor: Actor, now: datetime) -> None:
    record(session, actor, "sla.policy_deleted", policy, now=now, before=_snapshot(policy))
    session.delete(policy)
    session.flush()
    forget_policies(session)


def _check(session: Session, policy: SlaPolicy | None, values: PolicyValues) -> None:
    if not values.name.strip():
        raise PolicyError("name", _l("Give the policy a name."))
    if values.priority is not None and values.priority not in {p.value for p in Priority}:
        raise PolicyError("priority", _l("Unknown priority: %(value)s", value=values.priority))
    known_types = {t.value for t in TicketType}
    if values.ticket_type is not None and values.ticket_type not in known_types:
        raise PolicyError("ticket_type", _l("Unknown type: %(value)s", value=values.ticket_type))
    if not 1 <= values.warning_percent <= 99:
        raise PolicyError("warning_percent", _l("The warning must be between 1 and 99 percent."))
    for target in Target:
        _check_target(values, target)
    if all(getattr(values, f"{t.value}_amount") is None for t in Target):
        raise PolicyError("first_response_amount", _l("Give the policy at least one target."))
    if values.escalate_queue is not None and values.escalate_queue.id == values.queue.id:
        raise PolicyError("escalate_queue", _l("Escalate to a different queue."))
    clash = session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.queue_id == values.queue.id,
            _is(SlaPolicy.priority, values.priority),
            _is(SlaPolicy.ticket_type, values.ticket_type),
            _is(SlaPolicy.tag, values.tag),
        )
    )
    if clash is not None and clash is not policy:
        raise PolicyError(
            "priority", _l("This queue already has a policy for that priority and type.")
        )


def _check_target(values: PolicyValues, target: Target) -> None:
    field = f"{target.value}_amount"
    amount = getattr(values, field)
    unit = getattr(values, f"{target.value}_unit")
    if unit not in {u.value for u in Unit}:
        raise PolicyError(f"{target.value}_unit", _l("Unknown unit: %(value)s", value=unit))
    if amount is None:
        return
    if amount <= 0:
        raise PolicyError(field, _l("A target must be a positive number."))
    if amount > MAX_AMOUNT[Unit(unit)]:
        raise PolicyError(field, _l("That target is longer than a year."))


def _is(column: object, value: str | None) -> object:
    return column.is_(None) if value is None else column == value  # type: ignore[attr-defined]


def _snapshot(policy: SlaPolicy) -> dict[str, object]:
    return {
        "name": policy.name,
        "queue_id": policy.queue_id,
        "priority": policy.priority,
        "type": policy.ticket_type,
        "tag": policy.tag,
        "calendar_id": policy.calendar_id,
        **{
            t.value: [getattr(policy, f"{t.value}_amount"), getattr(policy, f"{t.value}_unit")]
            for t in Target
        },
        "warning_percent": policy.warning_percent,
    }
