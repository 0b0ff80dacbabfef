"""Business-calendar arithmetic for SLA deadlines: pure, no database, no Flask.

A :class:`BusinessCalendar` is built from plain values (time zone, weekly slots, a
country's public holidays, extra closed dates, per-date exceptions). Every moment going
in must be an aware ``datetime``; every moment coming out is in UTC.

* **Slots** are half-open local wall-clock ranges ``[start, end)``; an ``end`` of
  ``time(0, 0)`` or ``time.max`` (``"24:00"`` in config) means the end of the day. Slots
  may touch (09:00–14:00, 14:00–18:00) but not overlap.
* **A date's hours**: its exception if any (``[]`` closes it; slots open it even on a
  weekend or holiday), else closed on a public holiday or extra closed date, else the
  weekly hours. A **business day** is a local date with any working time.
* **DST**: slots become UTC per date, so durations are real elapsed time. A repeated wall
  time means its first occurrence; a skipped one means the instant of the jump (02:30 on
  a US spring-forward night is 03:00 EDT); a slot the clock skips entirely is closed.
* **Precision** is the datetime's own, exact: adding N minutes then measuring gives back
  exactly N. Minutes come out as ``float``.

Month tables (UTC intervals with running totals), built once and kept on the calendar,
make each call a few binary searches, never a loop over minutes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["BusinessCalendar", "CalendarError", "bogota", "buenos_aires", "cdmx", "new_york"]

Slot = tuple[time, time]
MIDNIGHT = time(0, 0)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZERO = timedelta(0)
_MINUTE = timedelta(minutes=1)
_SEARCH_MONTHS = 13  # beyond the last configured date, a weekly calendar opens within this
_CACHE: Any = {"init": False, "repr": False, "compare": False}  # derived, never configured
_CONFIG_KEYS = {"timezone", "weekly_hours", "country", "subdiv", "extra_closed_dates", "exceptions"}


class CalendarError(ValueError):
    """A calendar that cannot work: bad configuration, or no working time to reach."""


class _Month(NamedTuple):
    """One local month, as UTC intervals with the working time before/after each."""

    opens: tuple[datetime, ...]
    closes: tuple[datetime, ...]
    before: tuple[timedelta, ...]  # working time in the month before interval i opens
    after: tuple[timedelta, ...]  # ... and once interval i has closed
    business_days: tuple[date, ...]
    day_closes: tuple[datetime, ...]  # the last close of each business day

    @property
    def total(self) -> timedelta:
        return self.after[-1] if self.after else _ZERO

    def worked_before(self, moment: datetime) -> timedelta:
        i = bisect_right(self.opens, moment) - 1
        if i < 0:
            return _ZERO
        return self.before[i] + min(moment, self.closes[i]) - self.opens[i]


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one time zone, with holidays, closures and exceptions."""

    timezone: str
    weekly_hours: Mapping[int, Sequence[Slot]]
    country: str | None = None
    subdiv: str | None = None
    extra_closed_dates: Collection[date] = frozenset()
    exceptions: Mapping[date, Sequence[Slot]] = field(default_factory=dict)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _months: dict[int, _Month] = field(default_factory=dict, **_CACHE)
    _holidays: dict[int, frozenset[date]] = field(default_factory=dict, **_CACHE)

    def __post_init__(self) -> None:  # validate and freeze the plain values
        set_ = object.__setattr__
        set_(self, "_zone", _zone(self.timezone))
        weekly = {day: _slots(self.weekly_hours.get(day, ()), DAY_NAMES[day]) for day in range(7)}
        if set(self.weekly_hours) - set(range(7)):
            raise CalendarError("weekly hours keys must be weekdays 0 (Monday) to 6 (Sunday)")
        set_(self, "weekly_hours", MappingProxyType(weekly))
        exceptions = {_date(d): _slots(s, str(d)) for d, s in self.exceptions.items()}
        set_(self, "exceptions", MappingProxyType(dict(sorted(exceptions.items()))))
        set_(self, "extra_closed_dates", frozenset(_date(d) for d in self.extra_closed_dates))
        if not any(weekly.values()) and not any(exceptions.values()):
            raise CalendarError("the calendar has no working time: weekly hours are all empty")
        set_(self, "country", _country(self.country, self.subdiv))

    def __hash__(self) -> int:
        weekly, exceptions = tuple(self.weekly_hours.items()), tuple(self.exceptions.items())
        return hash((self.timezone, weekly, self.country, self.extra_closed_dates, exceptions))

    def is_working_time(self, moment: datetime) -> bool:
        """True when ``moment`` falls inside a slot (an opening counts, a closing does not)."""
        moment = _utc(moment)
        month = self._month(self._index(moment))
        i = bisect_right(month.opens, moment) - 1
        return i >= 0 and moment < month.closes[i]

    def next_opening(self, moment: datetime) -> datetime:
        """The first working instant at or after ``moment`` (``moment`` itself if working)."""
        moment = _utc(moment)
        index = self._index(moment)
        month = self._month(index)
        i = bisect_right(month.closes, moment)
        while i == len(month.opens):
            index, i = index + 1, 0
            month = self._month(index, looking_from=moment)
        return max(moment, month.opens[i])

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` working minutes have elapsed after ``start``."""
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
        return self.add_business_time(start, timedelta(minutes=minutes))

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Like :meth:`add_business_minutes`, for an exact ``timedelta``.

        Counting starts at the next opening when ``start`` is outside working time. A
        zero duration gives :meth:`next_opening`; a positive one lands inside a slot or
        exactly on its close, never on the next opening.
        """
        if duration < _ZERO:
            raise ValueError(f"duration must be >= 0, got {duration}")
        start = _utc(start)
        if not duration:
            return self.next_opening(start)
        index = self._index(start)
        month = self._month(index)
        remaining = month.worked_before(start) + duration
        while remaining > month.total:
            remaining -= month.total
            index += 1
            month = self._month(index, looking_from=start)
        i = bisect_left(month.after, remaining)
        return month.closes[i] - (month.after[i] - remaining)

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``, exactly; zero when ``b <= a``."""
        a, b = _utc(a), _utc(b)
        if b <= a:
            return _ZERO
        first, last = self._index(a), self._index(b)
        total = self._month(last).worked_before(b) - self._month(first).worked_before(a)
        for index in range(first, last):
            total += self._month(index).total
        return total

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes in ``[a, b)``, as a float (whole when the bounds are)."""
        return self.business_time_between(a, b) / _MINUTE

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The closing time of the ``days``-th business day after ``start``'s local date.

        The time of day of ``start`` does not matter, and its own date never counts:
        day 1 is the first business day after it. ``days == 0`` gives the close of
        ``start``'s date if it is a business day, else of the next business day. For
        "after hours counts as the next day", pass ``next_opening(start)``.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days!r}")
        start = _utc(start)
        local_date = start.astimezone(self._zone).date()
        index = self._index(start)
        month = self._month(index)
        if days:
            position = bisect_right(month.business_days, local_date) + days - 1
        else:
            position = bisect_left(month.business_days, local_date)
        while position >= len(month.business_days):
            position -= len(month.business_days)
            index += 1
            month = self._month(index, looking_from=start)
        return month.day_closes[position]

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """The last instant (23:59:59.999999 local) of the local date ``days`` after
        ``start``'s, in UTC. A deadline is met by anything at or before it."""
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days!r}")
        local_date = _utc(start).astimezone(self._zone).date()
        next_midnight = datetime.combine(local_date + timedelta(days=days + 1), MIDNIGHT)
        return self._to_utc(next_midnight) - timedelta(microseconds=1)

    def working_intervals(
        self, start_date: date, end_date: date
    ) -> Iterator[tuple[datetime, datetime]]:
        """``(open, close)`` UTC pairs, in order, for the local dates from ``start_date`` to
        ``end_date`` inclusive: one per slot and date, so pairs may touch."""
        day = start_date
        while day <= end_date:
            yield from self._day_intervals(day)
            day += timedelta(days=1)

    def is_business_day(self, day: date) -> bool:
        """True when the local date ``day`` has any working time."""
        return bool(self._day_intervals(day))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BusinessCalendar:
        """Build from JSON-able values (the shape :meth:`to_config` produces)."""
        unknown = set(config) - _CONFIG_KEYS
        if unknown:
            raise CalendarError(f"unknown calendar settings: {', '.join(sorted(unknown))}")
        if "timezone" not in config or not isinstance(config.get("weekly_hours"), Mapping):
            raise CalendarError("a calendar needs a timezone and weekly_hours")
        weekly = {}
        for name, slots in config["weekly_hours"].items():
            if name not in DAY_NAMES:
                raise CalendarError(f"unknown day {name!r}: use one of {', '.join(DAY_NAMES)}")
            weekly[DAY_NAMES.index(name)] = _parse_slots(slots)
        return cls(
            timezone=config["timezone"],
            weekly_hours=weekly,
            country=config.get("country"),
            subdiv=config.get("subdiv"),
            extra_closed_dates=[_parse_date(d) for d in config.get("extra_closed_dates", ())],
            exceptions={
                _parse_date(d): _parse_slots(s) for d, s in config.get("exceptions", {}).items()
            },
        )

    def to_config(self) -> dict[str, Any]:
        """JSON-able values that :meth:`from_config` turns back into an equal calendar."""
        return {
            "timezone": self.timezone,
            "weekly_hours": {
                DAY_NAMES[day]: _format_slots(slots)
                for day, slots in self.weekly_hours.items()
                if slots
            },
            "country": self.country,
            "subdiv": self.subdiv,
            "extra_closed_dates": sorted(d.isoformat() for d in self.extra_closed_dates),
            "exceptions": {d.isoformat(): _format_slots(s) for d, s in self.exceptions.items()},
        }

    def _index(self, moment: datetime) -> int:
        local = moment.astimezone(self._zone)
        return local.year * 12 + local.month - 1

    def _month(self, index: int, looking_from: datetime | None = None) -> _Month:
        if looking_from is not None and index > self._search_limit(looking_from):
            raise CalendarError(f"the calendar has no working time after {looking_from}")
        month = self._months.get(index)
        if month is None:
            month = self._months[index] = self._build_month(index)
        return month

    def _build_month(self, index: int) -> _Month:
        opens, closes, before, after, days, day_closes = [], [], [], [], [], []
        worked = _ZERO
        day = date(index // 12, index % 12 + 1, 1)
        while day.month == index % 12 + 1:
            intervals = self._day_intervals(day)
            for open_, close in intervals:
                opens.append(open_)
                closes.append(close)
                before.append(worked)
                worked += close - open_
                after.append(worked)
            if intervals:
                days.append(day)
                day_closes.append(intervals[-1][1])
            day += timedelta(days=1)
        return _Month(*map(tuple, (opens, closes, before, after, days, day_closes)))

    def _search_limit(self, moment: datetime) -> int:
        """The last month worth searching for working time after ``moment``."""
        if not any(self.weekly_hours.values()):  # open only on exception dates
            last = max(d for d, slots in self.exceptions.items() if slots)
            return last.year * 12 + last.month - 1
        last = max([*self.extra_closed_dates, *self.exceptions], default=date.min)
        return max(self._index(moment), last.year * 12 + last.month - 1) + _SEARCH_MONTHS

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        intervals = []
        for start, end in self._slots_on(day):
            open_ = self._to_utc(datetime.combine(day, start))
            end_day = day + timedelta(days=1) if end == MIDNIGHT else day
            close = self._to_utc(datetime.combine(end_day, end))
            if close > open_:  # a slot the clock skips entirely is empty that night
                intervals.append((open_, close))
        return intervals

    def _slots_on(self, day: date) -> Sequence[Slot]:
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.extra_closed_dates or day in self._public_holidays(day.year):
            return ()
        return self.weekly_hours[day.weekday()]

    def _public_holidays(self, year: int) -> frozenset[date]:
        found = self._holidays.get(year, frozenset() if self.country is None else None)
        if found is None:
            found = frozenset(holidays.country_holidays(self.country, self.subdiv, years=year))
            self._holidays[year] = found
        return found

    def _to_utc(self, wall: datetime) -> datetime:
        """A naive local wall time as UTC; see the module notes for DST."""
        moment = wall.replace(tzinfo=self._zone).astimezone(UTC)
        if moment.astimezone(self._zone).replace(tzinfo=None) == wall:
            return moment
        return self._clock_jump(wall)

    def _clock_jump(self, wall: datetime) -> datetime:
        """The instant the clock jumps over the nonexistent ``wall`` time."""
        earliest = wall.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        latest = wall.replace(tzinfo=self._zone, fold=0).astimezone(UTC)
        offset_after = latest.astimezone(self._zone).utcoffset()
        low, high = 0, int((latest - earliest).total_seconds())
        while low < high:
            middle = (low + high) // 2
            probe = earliest + timedelta(seconds=middle)
            if probe.astimezone(self._zone).utcoffset() == offset_after:
                high = middle
            else:
                low = middle + 1
        return earliest + timedelta(seconds=low)


# --- Validation and config helpers ------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment!r}")
    return moment.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(f"unknown time zone {name!r}") from None


def _country(country: str | None, subdiv: str | None) -> str | None:
    if country is None:
        if subdiv is not None:
            raise CalendarError("a subdivision needs a country")
        return None
    supported = _supported_countries()
    if country not in supported:
        raise CalendarError(f"unknown country code {country!r}")
    if subdiv is not None and subdiv not in supported[country]:
        raise CalendarError(f"unknown subdivision {subdiv!r} for country {country}")
    return country


@cache
def _supported_countries() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


def _date(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarError(f"expected a date, got {value!r}")
    return value


def _slots(slots: Sequence[Any], where: str) -> tuple[Slot, ...]:
    checked = sorted(_slot(slot, where) for slot in slots)
    for (_, end), (start, _) in pairwise(checked):
        if end == MIDNIGHT or end > start:
            raise CalendarError(f"{where}: slots {_describe(checked)} overlap")
    return tuple(checked)


def _slot(slot: Any, where: str) -> Slot:
    try:
        start, end = slot
    except (TypeError, ValueError):
        start = end = None
    end = MIDNIGHT if end == time.max else end
    if not all(isinstance(t, time) and not t.tzinfo and not t.microsecond for t in (start, end)):
        raise CalendarError(f"{where}: slot {slot!r} must be two naive whole-second times")
    if end != MIDNIGHT and end <= start:
        raise CalendarError(f"{where}: slot {_describe([(start, end)])} must end after it starts")
    return start, end


def _parse_date(value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalendarError(f"invalid date {value!r}: use YYYY-MM-DD") from None


def _parse_time(value: Any, *, is_end: bool = False) -> time:
    if value == "24:00":
        if not is_end:
            raise CalendarError("24:00 can only end a slot")
        return MIDNIGHT
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalendarError(f"invalid time {value!r}: use HH:MM") from None


def _parse_slots(slots: Any) -> list[Slot]:
    if not isinstance(slots, list) or not all(isinstance(s, list) and len(s) == 2 for s in slots):
        raise CalendarError(f'invalid slots {slots!r}: use [["09:00", "18:00"], ...]')
    return [(_parse_time(start), _parse_time(end, is_end=True)) for start, end in slots]


def _format_slot(slot: Slot) -> list[str]:
    start, end = slot
    fmt = "%H:%M" if not start.second and not end.second else "%H:%M:%S"
    return [start.strftime(fmt), "24:00" if end == MIDNIGHT else end.strftime(fmt)]


def _format_slots(slots: Sequence[Slot]) -> list[list[str]]:
    return [_format_slot(slot) for slot in slots]


def _describe(slots: Sequence[Slot]) -> str:
    return ", ".join("-".join(_format_slot(slot)) for slot in slots)


# --- Defaults (the customer's compliance officer has the last word) ---------------------


def _weekdays(*slots: Slot) -> dict[int, list[Slot]]:
    return {day: list(slots) for day in range(5)}


def cdmx() -> BusinessCalendar:
    """Mexico City: Mon–Fri 09:00–18:00, Sat 09:00–14:00, Mexican public holidays."""
    hours = _weekdays((time(9), time(18))) | {5: [(time(9), time(14))]}
    return BusinessCalendar("America/Mexico_City", hours, country="MX")


def bogota() -> BusinessCalendar:
    """Bogotá: Mon–Fri 08:00–17:00, Sat 08:00–12:00, Colombian public holidays."""
    hours = _weekdays((time(8), time(17))) | {5: [(time(8), time(12))]}
    return BusinessCalendar("America/Bogota", hours, country="CO")


def buenos_aires() -> BusinessCalendar:
    """Buenos Aires: Mon–Fri 09:00–18:00, Argentine public holidays."""
    return BusinessCalendar(
        "America/Argentina/Buenos_Aires", _weekdays((time(9), time(18))), country="AR"
    )


def new_york() -> BusinessCalendar:
    """New York: Mon–Fri 09:00–17:00, US federal holidays (DST applies)."""
    return BusinessCalendar("America/New_York", _weekdays((time(9), time(17))), country="US")
