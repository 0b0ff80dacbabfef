"""When a debtor may be contacted: hours in their local time, holidays, frequency caps and
whether only the channels the debtor authorised may be used (consent).

The defaults below (``DEFAULT_RULES``) are the contact-hour, frequency and consent limits
of each country's collection-practice rules as the product ships them; an admin
overrides a country with a ``ContactRule`` row, because the customer's compliance officer
has the last word. Hours are checked with the SLA business calendar (same slots, same
holiday lists, same DST handling), built for the debtor's own time zone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.reminders.models import ContactRule, ReminderDispatch
from helpdesk.sla.calendar import BusinessCalendar, CalendarError

WEEK = timedelta(days=7)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = EVERY_DAY[:5]


def _hours(days: tuple[str, ...], start: str, end: str) -> dict[str, list[list[str]]]:
    return {day: [[start, end]] for day in days}


@dataclass(frozen=True)
class Rule:
    """A country's contact rule as plain values (a ``ContactRule`` row or a default)."""

    country: str
    timezone: str
    weekly_hours: dict[str, list[list[str]]] = field(hash=False)
    skip_holidays: bool = False
    max_per_day: int | None = None
    max_per_week: int | None = None
    max_channels_per_week: int | None = None
    # Reminders only on channels the debtor authorised (``ChannelConsent``); else "no_consent".
    requires_consent: bool = False

    def calendar(self, timezone: str | None = None) -> BusinessCalendar:
        """The allowed hours as a calendar in ``timezone`` (the debtor's, else the rule's)."""
        key = json.dumps(self.weekly_hours, sort_keys=True)
        country = self.country if self.skip_holidays else None
        return _calendar(timezone or self.timezone, key, country)


DEFAULT_RULES: dict[str, Rule] = {
    # MX: 07:00–22:00 every day. The safer reading (weekdays only, no holidays) is
    # MX_WEEKDAYS_ONLY below: an admin saves it as the MX rule to adopt it.
    "MX": Rule("MX", "America/Mexico_City", _hours(EVERY_DAY, "07:00", "22:00")),
    # CO (Ley 2300 de 2023): Mon–Fri 07:00–19:00, Sat 08:00–15:00, never Sundays or
    # holidays; at most one contact a day and one channel a week (the safe reading); only
    # channels the debtor authorised.
    "CO": Rule(
        "CO",
        "America/Bogota",
        _hours(WEEKDAYS, "07:00", "19:00") | _hours(("sat",), "08:00", "15:00"),
        skip_holidays=True,
        max_per_day=1,
        max_channels_per_week=1,
        requires_consent=True,
    ),
    # AR: no national hour limit was found; a courteous 08:00–21:00 by default.
    "AR": Rule("AR", "America/Argentina/Buenos_Aires", _hours(EVERY_DAY, "08:00", "21:00")),
    # US (12 CFR 1006): 08:00–21:00 local time.
    "US": Rule("US", "America/New_York", _hours(EVERY_DAY, "08:00", "21:00")),
}

MX_WEEKDAYS_ONLY = Rule(
    "MX", "America/Mexico_City", _hours(WEEKDAYS, "07:00", "22:00"), skip_holidays=True
)


def rule_for(session: Session, country: str) -> Rule:
    """The admin's rule for ``country``, else the default (else Mexico's)."""
    row = session.scalar(select(ContactRule).where(ContactRule.country == country))
    if row is None:
        return DEFAULT_RULES.get(country, DEFAULT_RULES["MX"])
    return Rule(
        country=row.country,
        timezone=row.timezone,
        weekly_hours=row.weekly_hours,
        skip_holidays=row.skip_holidays,
        max_per_day=row.max_per_day,
        max_per_week=row.max_per_week,
        max_channels_per_week=row.max_channels_per_week,
        requires_consent=row.requires_consent,
    )


def all_rules(session: Session) -> list[Rule]:
    """Every country with a rule: the defaults, overridden by the admin's rows."""
    countries = set(DEFAULT_RULES) | set(session.scalars(select(ContactRule.country)))
    return [rule_for(session, country) for country in sorted(countries)]


def save_rule(session: Session, rule: Rule, *, now: datetime) -> ContactRule:
    """Store ``rule`` for its country (checked first: a bad rule must not stop reminders)."""
    rule.calendar()  # raises CalendarError on bad hours or time zone
    row = session.scalar(
        select(ContactRule).where(ContactRule.country == rule.country)
    ) or ContactRule(country=rule.country)
    for name, value in asdict(rule).items():
        setattr(row, name, value)
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def next_allowed(rule: Rule, timezone: str | None, moment: datetime) -> datetime | None:
    """None when ``moment`` is inside the contact window, else the window's next opening."""
    calendar = rule.calendar(timezone)
    if calendar.is_working_time(moment):
        return None
    return calendar.next_opening(moment)


def cap_until(
    session: Session,
    rule: Rule,
    account_id: int,
    channel: str,
    *,
    timezone: str | None,
    now: datetime,
) -> datetime | None:
    """When the account's frequency caps allow one more reminder on ``channel`` (None: now).

    Days are the debtor's local calendar days; weeks are the last seven days.
    """
    sends = session.execute(
        select(ReminderDispatch.sent_at, ReminderDispatch.channel)
        .where(
            ReminderDispatch.account_id == account_id,
            ReminderDispatch.status == "sent",
            ReminderDispatch.sent_at > now - WEEK,
        )
        .order_by(ReminderDispatch.sent_at)
    ).all()
    limits = [
        _day_cap(rule.max_per_day, [at for at, _ in sends], timezone or rule.timezone, now),
        _week_cap(rule.max_per_week, [at for at, _ in sends]),
        _channel_cap(rule.max_channels_per_week, sends, channel),
    ]
    found = [limit for limit in limits if limit is not None]
    return max(found) if found else None


def _day_cap(
    limit: int | None, sent: list[datetime], timezone: str, now: datetime
) -> datetime | None:
    if limit is None:
        return None
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if sum(1 for at in sent if at.astimezone(zone).date() == today) < limit:
        return None
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return midnight.astimezone(now.tzinfo)


def _week_cap(limit: int | None, sent: list[datetime]) -> datetime | None:
    if limit is None or len(sent) < limit:
        return None
    return sent[-limit] + WEEK  # when only limit - 1 sends remain inside the week


def _channel_cap(
    limit: int | None, sends: list[Any], channel: str
) -> datetime | None:
    if limit is None:
        return None
    others = [at for at, used in sends if used != channel]
    if len({used for _, used in sends} | {channel}) <= limit or not others:
        return None
    return max(others) + WEEK


@lru_cache(maxsize=64)
def _calendar(timezone: str, weekly_hours: str, country: str | None) -> BusinessCalendar:
    config: dict[str, Any] = {"timezone": timezone, "weekly_hours": json.loads(weekly_hours)}
    if country:
        config["country"] = country
    return BusinessCalendar.from_config(config)


__all__ = [
    "DEFAULT_RULES",
    "MX_WEEKDAYS_ONLY",
    "CalendarError",
    "Rule",
    "all_rules",
    "cap_until",
    "next_allowed",
    "rule_for",
    "save_rule",
]
