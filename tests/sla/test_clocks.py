"""The clock arithmetic on histories (pure, property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.calendar import cdmx, new_york
from helpdesk.sla.clocks import History, TargetSpec, compute
from helpdesk.sla.models import Target, Unit

CALENDARS = [cdmx(), new_york()]
START = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
GAPS = st.lists(st.integers(min_value=1, max_value=4000), min_size=0, max_size=6)
PROPERTY = settings(deadline=None, max_examples=150)


def statuses(start: datetime, gaps: list[int]) -> list[tuple[datetime, str]]:
    """Alternate pending / open every gap minutes after the start."""
    at, found = start, []
    for index, gap in enumerate(gaps):
        at += timedelta(minutes=gap)
        found.append((at, "pending" if index % 2 == 0 else "open"))
    return found


@PROPERTY
@given(
    calendar=st.sampled_from(CALENDARS),
    start=START,
    minutes=st.integers(1, 5000),
    gaps=GAPS,
)
def test_the_deadline_is_the_target_plus_the_paused_working_time(calendar, start, minutes, gaps):
    history = History(opened_at=start, statuses=statuses(start, gaps))
    spec = TargetSpec(Target.FIRST_RESPONSE, minutes, Unit.BUSINESS_MINUTES)
    clock = compute(spec, calendar, history, warning_percent=80)
    worked = calendar.business_minutes_between(start, clock.due_at)
    if clock.paused_since is None:
        assert worked == pytest.approx(minutes + clock.paused_minutes, abs=1e-6)
    else:  # still paused: the deadline keeps what was left when the pause began
        assert clock.paused_since < clock.due_at
    assert clock.warn_at <= clock.due_at


@PROPERTY
@given(start=START, minutes=st.integers(1, 5000), gaps=GAPS)
def test_pauses_never_bring_a_deadline_forward(start, minutes, gaps):
    calendar = cdmx()
    spec = TargetSpec(Target.RESOLUTION, minutes, Unit.BUSINESS_MINUTES)
    plain = compute(spec, calendar, History(opened_at=start), warning_percent=50)
    paused = compute(
        spec, calendar, History(opened_at=start, statuses=statuses(start, gaps)), warning_percent=50
    )
    assert paused.due_at >= plain.due_at


@PROPERTY
@given(start=START, days=st.integers(1, 60), gaps=GAPS)
def test_calendar_day_targets_are_pushed_back_by_elapsed_pause_time(start, days, gaps):
    calendar = cdmx()
    spec = TargetSpec(Target.RESOLUTION, days, Unit.CALENDAR_DAYS)
    plain = compute(spec, calendar, History(opened_at=start), warning_percent=80)
    history = History(opened_at=start, statuses=statuses(start, gaps))
    clock = compute(spec, calendar, history, warning_percent=80)
    if clock.paused_since is None:
        gap = (clock.due_at - plain.due_at) / timedelta(minutes=1)
        assert gap == pytest.approx(clock.paused_minutes, abs=1e-6)


def test_a_pause_after_the_deadline_changes_nothing():
    calendar = cdmx()
    start = datetime(2026, 11, 23, 16, tzinfo=UTC)  # Monday 10:00 in Mexico City
    spec = TargetSpec(Target.FIRST_RESPONSE, 60, Unit.BUSINESS_MINUTES)
    late = [(start + timedelta(hours=3), "pending"), (start + timedelta(hours=5), "open")]
    clock = compute(spec, calendar, History(opened_at=start, statuses=late), warning_percent=80)
    assert clock.due_at == start + timedelta(hours=1)
    assert clock.paused_minutes == 0


def test_next_response_has_no_clock_until_the_debtor_writes_after_a_reply():
    calendar = cdmx()
    start = datetime(2026, 11, 23, 16, tzinfo=UTC)
    spec = TargetSpec(Target.NEXT_RESPONSE, 30, Unit.BUSINESS_MINUTES)
    messages = [(start, "in"), (start + timedelta(minutes=5), "out")]
    history = History(opened_at=start, messages=messages)
    assert compute(spec, calendar, history, warning_percent=80) is None
    again = History(opened_at=start, messages=[*messages, (start + timedelta(hours=1), "in")])
    clock = compute(spec, calendar, again, warning_percent=80)
    assert clock.started_at == start + timedelta(hours=1)
    assert clock.due_at == start + timedelta(hours=1, minutes=30)
