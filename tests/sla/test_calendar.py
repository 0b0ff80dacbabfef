"""Business-calendar arithmetic: properties over several calendars, then worked examples."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.calendar import (
    BusinessCalendar,
    CalendarError,
    bogota,
    buenos_aires,
    cdmx,
    new_york,
)

MX = ZoneInfo("America/Mexico_City")
NY = ZoneInfo("America/New_York")


def mx(*args: int) -> datetime:
    return datetime(*args, tzinfo=MX)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


# Mexican bank hours with a lunch break, bank-closing days and two exceptions.
SPLIT_MX = BusinessCalendar(
    timezone="America/Mexico_City",
    weekly_hours={day: [(time(9), time(14)), (time(15), time(18))] for day in range(5)},
    country="MX",
    extra_closed_dates={date(2026, 4, 2), date(2026, 4, 3), date(2026, 11, 2), date(2026, 12, 12)},
    exceptions={
        date(2026, 11, 29): [(time(10), time(14))],  # a Sunday opened for a campaign
        date(2026, 12, 24): [],  # Christmas Eve closed
    },
)

# New York office hours plus a Sunday night shift that straddles both DST changes.
NIGHT_NY = BusinessCalendar(
    timezone="America/New_York",
    weekly_hours={
        **{day: [(time(9), time(17))] for day in range(5)},
        6: [(time(0, 30), time(2, 30)), (time(2, 45), time(5))],
    },
    country="US",
)

CALENDARS = {"split MX": SPLIT_MX, "night NY": NIGHT_NY, "Bogotá": bogota()}

WIDE = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)
NEAR_DST = st.sampled_from([datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)])
MOMENTS = WIDE | st.builds(
    lambda day, offset: day + offset,
    NEAR_DST,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
)
MINUTES = st.integers(min_value=0, max_value=20_000)
CALENDAR = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
PROPERTY = settings(deadline=None, max_examples=200)


def inside_or_at_close(calendar: BusinessCalendar, moment: datetime) -> bool:
    """The result of adding N > 0 minutes: after some opening and no later than its close."""
    day = moment.astimezone(ZoneInfo(calendar.timezone)).date()
    intervals = calendar.working_intervals(day - timedelta(days=1), day + timedelta(days=1))
    return any(open_ < moment <= close for open_, close in intervals)


# --- Properties -------------------------------------------------------------------------


@PROPERTY
@given(calendar=CALENDAR, start=MOMENTS, minutes=MINUTES)
def test_adding_then_measuring_gives_back_the_minutes_exactly(calendar, start, minutes):
    end = calendar.add_business_minutes(start, minutes)
    assert calendar.business_minutes_between(start, end) == minutes
    assert end.tzinfo is UTC


@PROPERTY
@given(calendar=CALENDAR, start=MOMENTS, minutes=st.integers(min_value=1, max_value=20_000))
def test_a_deadline_lands_inside_working_time_or_exactly_at_a_close(calendar, start, minutes):
    end = calendar.add_business_minutes(start, minutes)
    assert inside_or_at_close(calendar, end)


@PROPERTY
@given(calendar=CALENDAR, start=MOMENTS, minutes=MINUTES, more=MINUTES)
def test_more_minutes_never_give_an_earlier_deadline(calendar, start, minutes, more):
    sooner = calendar.add_business_minutes(start, minutes)
    assert calendar.add_business_minutes(start, minutes + more) >= sooner


@PROPERTY
@given(calendar=CALENDAR, moments=st.lists(MOMENTS, min_size=3, max_size=3))
def test_working_time_adds_up_over_consecutive_ranges(calendar, moments):
    a, b, c = sorted(moments)
    between = calendar.business_time_between
    assert between(a, b) + between(b, c) == between(a, c)  # exact, to the microsecond
    a, b, c = (moment.replace(second=0, microsecond=0) for moment in (a, b, c))
    minutes = calendar.business_minutes_between
    assert minutes(a, b) + minutes(b, c) == minutes(a, c)  # whole minutes in, whole out


@PROPERTY
@given(calendar=CALENDAR, moment=MOMENTS)
def test_next_opening_is_working_time_with_nothing_worked_before_it(calendar, moment):
    opening = calendar.next_opening(moment)
    assert calendar.is_working_time(opening)
    assert calendar.business_time_between(moment, opening) == timedelta(0)
    assert calendar.add_business_minutes(moment, 0) == opening


@PROPERTY
@given(calendar=CALENDAR, start=MOMENTS, days=st.integers(min_value=1, max_value=40))
def test_business_days_end_on_a_close_and_count_each_working_date_once(calendar, start, days):
    due = calendar.add_business_days(start, days)
    zone = ZoneInfo(calendar.timezone)
    first, last = start.astimezone(zone).date(), due.astimezone(zone).date()
    counted = sum(
        calendar.is_business_day(first + timedelta(days=n))
        for n in range(1, (last - first).days + 1)
    )
    assert counted == days
    assert due == max(close for _, close in calendar.working_intervals(last, last))


# --- Adding minutes -----------------------------------------------------------------------


def test_friday_evening_plus_an_hour_lands_on_saturday_morning_in_cdmx():
    friday = mx(2026, 11, 13, 17, 30)  # 30 minutes left before the 18:00 close
    assert cdmx().add_business_minutes(friday, 60) == mx(2026, 11, 14, 9, 30)


def test_the_lunch_break_is_skipped():
    monday = mx(2026, 11, 23, 13, 30)
    assert SPLIT_MX.add_business_minutes(monday, 60) == mx(2026, 11, 23, 15, 30)
    assert SPLIT_MX.business_minutes_between(monday, mx(2026, 11, 23, 15, 30)) == 60


def test_a_weekend_and_a_monday_holiday_are_skipped():
    # 2026-11-16 is Revolution Day (third Monday of November) in Mexico.
    friday = mx(2026, 11, 13, 17)
    assert SPLIT_MX.add_business_minutes(friday, 120) == mx(2026, 11, 17, 10)


def test_an_extra_closed_date_is_skipped():
    friday = mx(2026, 12, 11, 17, 30)
    saturday_closed = replace(cdmx(), extra_closed_dates={date(2026, 12, 12)})
    assert cdmx().add_business_minutes(friday, 60) == mx(2026, 12, 12, 9, 30)
    assert saturday_closed.add_business_minutes(friday, 60) == mx(2026, 12, 14, 9, 30)


def test_an_exception_opens_a_sunday():
    saturday = mx(2026, 11, 28, 12)
    assert SPLIT_MX.add_business_minutes(saturday, 30) == mx(2026, 11, 29, 10, 30)


def test_an_exception_can_open_a_holiday_or_close_a_weekday():
    opened = replace(SPLIT_MX, exceptions={date(2026, 11, 16): [(time(9), time(12))]})
    assert opened.is_working_time(mx(2026, 11, 16, 10))
    assert not SPLIT_MX.is_working_time(mx(2026, 11, 16, 10))
    assert not SPLIT_MX.is_working_time(mx(2026, 12, 24, 10))


def test_counting_from_outside_working_time_starts_at_the_next_opening():
    sunday = mx(2026, 11, 22, 20)
    assert SPLIT_MX.add_business_minutes(sunday, 0) == mx(2026, 11, 23, 9)
    assert SPLIT_MX.add_business_minutes(sunday, 1) == mx(2026, 11, 23, 9, 1)


def test_a_deadline_falling_on_a_close_stays_on_the_close():
    assert SPLIT_MX.add_business_minutes(mx(2026, 11, 23, 13), 60) == mx(2026, 11, 23, 14)


def test_zero_minutes_inside_working_time_is_the_start_itself():
    assert SPLIT_MX.add_business_minutes(mx(2026, 11, 23, 10, 7), 0) == mx(2026, 11, 23, 10, 7)


def test_thirteen_thousand_minutes_in_one_call():
    start = mx(2026, 11, 23, 9)
    end = SPLIT_MX.add_business_minutes(start, 13_000)
    # 26 full 8-hour days (24 Dec and 25 Dec closed) and the 4-hour Sunday make 12,720
    # minutes by 30 Dec; the last 280 fall on the morning of 31 Dec.
    assert end == mx(2026, 12, 31, 13, 40)
    assert SPLIT_MX.business_minutes_between(start, end) == 13_000


# --- Daylight saving time (New York) ----------------------------------------------------


def test_office_hours_across_spring_forward_count_real_minutes():
    friday = ny(2026, 3, 6, 16)  # 16:00 EST = 21:00 UTC
    # Friday's last hour, the Sunday night shift (90 + 120 real minutes), Monday's first hour.
    monday = NIGHT_NY.add_business_minutes(friday, 60 + 210 + 60)
    assert monday == ny(2026, 3, 9, 10)
    assert monday == datetime(2026, 3, 9, 14, tzinfo=UTC)  # EDT now


def test_the_night_shift_is_an_hour_shorter_when_clocks_go_forward():
    day = date(2026, 3, 8)
    shift = list(NIGHT_NY.working_intervals(day, day))
    # 02:30 and 02:45 do not exist that night: both mean 03:00 EDT, the instant of the jump.
    assert shift == [
        (ny(2026, 3, 8, 0, 30), ny(2026, 3, 8, 3)),
        (ny(2026, 3, 8, 3), ny(2026, 3, 8, 5)),
    ]
    assert NIGHT_NY.business_minutes_between(ny(2026, 3, 8), ny(2026, 3, 8, 6)) == 90 + 120


def test_the_night_shift_is_an_hour_longer_when_clocks_go_back():
    start, end = ny(2026, 11, 1), ny(2026, 11, 1, 6)  # seven real hours apart
    # 00:30 EDT to 02:30 EST is three hours; 02:45 to 05:00 EST is 135 minutes.
    assert NIGHT_NY.business_minutes_between(start, end) == 180 + 135


def test_a_repeated_wall_time_means_its_first_occurrence():
    early = BusinessCalendar("America/New_York", {6: [(time(1, 30), time(3))]})
    day = date(2026, 11, 1)
    [(opens, closes)] = early.working_intervals(day, day)
    assert opens == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert closes - opens == timedelta(minutes=150)  # 01:30 EDT to 03:00 EST


def test_a_twenty_four_hour_calendar_counts_23_and_25_hour_days():
    always = BusinessCalendar("America/New_York", {d: [(time(0), time(0))] for d in range(7)})
    spring = always.business_minutes_between(ny(2026, 3, 8), ny(2026, 3, 9))
    autumn = always.business_minutes_between(ny(2026, 11, 1), ny(2026, 11, 2))
    assert (spring, autumn) == (23 * 60, 25 * 60)


def test_a_slot_the_clock_skips_entirely_is_closed_that_night():
    skipped = BusinessCalendar("America/New_York", {6: [(time(2, 10), time(2, 50))]})
    assert list(skipped.working_intervals(date(2026, 3, 8), date(2026, 3, 8))) == []
    assert skipped.next_opening(ny(2026, 3, 8)) == ny(2026, 3, 15, 2, 10)


# --- Days ---------------------------------------------------------------------------------


def test_business_days_skip_the_weekend_and_a_holiday():
    thursday = mx(2026, 11, 12, 11)
    # Fri 13 is day 1, Mon 16 is Revolution Day, Tue 17 day 2, Wed 18 day 3.
    assert SPLIT_MX.add_business_days(thursday, 3) == mx(2026, 11, 18, 18)


def test_the_day_a_request_arrives_never_counts_whatever_the_hour():
    assert SPLIT_MX.add_business_days(mx(2026, 11, 23, 0, 1), 1) == mx(2026, 11, 24, 18)
    assert SPLIT_MX.add_business_days(mx(2026, 11, 23, 23, 59), 1) == mx(2026, 11, 24, 18)


def test_zero_business_days_is_the_close_of_today_or_the_next_business_day():
    assert SPLIT_MX.add_business_days(mx(2026, 11, 23, 10), 0) == mx(2026, 11, 23, 18)
    assert SPLIT_MX.add_business_days(mx(2026, 11, 14, 10), 0) == mx(2026, 11, 17, 18)


def test_thirty_business_days_for_a_une_complaint():
    received = mx(2026, 11, 23, 10)
    due = SPLIT_MX.add_business_days(received, 30)
    # Weekends, 24 Dec, 25 Dec and 1 Jan are closed; the Sunday opened on 29 Nov counts.
    assert due == mx(2027, 1, 6, 18)


def test_forty_five_calendar_days_end_at_the_last_instant_of_the_local_day():
    due = cdmx().add_calendar_days(mx(2026, 11, 23, 10), 45)
    assert due == datetime(2027, 1, 7, 23, 59, 59, 999_999, tzinfo=MX)
    assert due.tzinfo is UTC


def test_calendar_days_follow_the_local_date_not_the_utc_one():
    late_evening = mx(2026, 11, 23, 22)  # already the 24th in UTC
    assert cdmx().add_calendar_days(late_evening, 0).astimezone(MX).date() == date(2026, 11, 23)


def test_business_days_use_each_countrys_holidays():
    argentina = ZoneInfo("America/Argentina/Buenos_Aires")
    friday = datetime(2026, 11, 20, 12, tzinfo=argentina)  # Mon 23 is National Sovereignty Day
    tuesday_close = datetime(2026, 11, 24, 18, tzinfo=argentina)
    assert buenos_aires().add_business_days(friday, 1) == tuesday_close
    assert new_york().is_business_day(date(2026, 11, 26)) is False  # Thanksgiving


# --- Inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_business_minutes(datetime(2026, 11, 23, 10), 5),
        lambda c: c.business_minutes_between(datetime(2026, 11, 23), mx(2026, 11, 24)),
        lambda c: c.is_working_time(datetime(2026, 11, 23, 10)),
        lambda c: c.add_business_days(datetime(2026, 11, 23, 10), 1),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="aware datetime"):
        call(SPLIT_MX)


def test_negative_amounts_are_refused():
    start = mx(2026, 11, 23, 10)
    for call in (
        lambda: SPLIT_MX.add_business_minutes(start, -1),
        lambda: SPLIT_MX.add_business_days(start, -1),
        lambda: SPLIT_MX.add_calendar_days(start, -1),
    ):
        with pytest.raises(ValueError, match=">= 0"):
            call()


def test_measuring_backwards_gives_zero():
    assert SPLIT_MX.business_minutes_between(mx(2026, 11, 24, 10), mx(2026, 11, 23, 10)) == 0


# --- Validation ---------------------------------------------------------------------------

NINE_TO_SIX = {0: [(time(9), time(18))]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"weekly_hours": {0: [(time(18), time(9))]}}, "mon: slot 18:00-09:00 must end after"),
        ({"weekly_hours": {0: [(time(9), time(9))]}}, "must end after it starts"),
        ({"weekly_hours": {0: [(time(9, tzinfo=UTC), time(18))]}}, "naive whole-second"),
        ({"weekly_hours": {0: [(time(9), time(18), time(19))]}}, "must be two naive"),
        (
            {"weekly_hours": {2: [(time(9), time(14)), (time(13), time(18))]}},
            "wed: slots 09:00-14:00, 13:00-18:00 overlap",
        ),
        ({"weekly_hours": {}}, "no working time"),
        ({"weekly_hours": {d: [] for d in range(7)}, "exceptions": {}}, "no working time"),
        ({"weekly_hours": {7: [(time(9), time(18))]}}, "weekdays 0 \\(Monday\\) to 6"),
        ({"country": "XX"}, "unknown country code 'XX'"),
        ({"country": "US", "subdiv": "ZZ"}, "unknown subdivision 'ZZ'"),
        ({"subdiv": "NY"}, "a subdivision needs a country"),
        ({"exceptions": {date(2026, 1, 1): [(time(10), time(9))]}}, "2026-01-01: slot"),
        ({"extra_closed_dates": ["2026-12-12"]}, "expected a date"),
    ],
)
def test_invalid_calendars_are_refused_with_a_clear_message(kwargs, message):
    values = {"timezone": "America/Mexico_City", "weekly_hours": NINE_TO_SIX, **kwargs}
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar(**values)


def test_a_calendar_open_only_on_exception_dates_is_valid_until_they_run_out():
    pop_up = BusinessCalendar(
        "America/Mexico_City", {}, exceptions={date(2026, 12, 5): [(time(9), time(13))]}
    )
    assert pop_up.add_business_minutes(mx(2026, 12, 1), 60) == mx(2026, 12, 5, 10)
    with pytest.raises(CalendarError, match="no working time after"):
        pop_up.add_business_minutes(mx(2026, 12, 1), 600)


def test_midnight_or_time_max_ends_a_slot_at_the_end_of_the_day():
    late = BusinessCalendar(
        "America/Mexico_City", {4: [(time(20), time.max)], 5: [(time(0), time(2))]}
    )
    assert late.weekly_hours[4] == ((time(20), time(0)),)
    # Friday 23:30 + 60 minutes runs through midnight into Saturday's early slot.
    assert late.add_business_minutes(mx(2026, 11, 27, 23, 30), 60) == mx(2026, 11, 28, 0, 30)


# --- Config -------------------------------------------------------------------------------


def test_config_round_trips_through_json():
    config = json.loads(json.dumps(SPLIT_MX.to_config()))
    assert config["weekly_hours"]["mon"] == [["09:00", "14:00"], ["15:00", "18:00"]]
    assert config["exceptions"] == {"2026-11-29": [["10:00", "14:00"]], "2026-12-24": []}
    assert BusinessCalendar.from_config(config) == SPLIT_MX


def test_config_writes_end_of_day_as_24_00():
    config = {"timezone": "America/Bogota", "weekly_hours": {"fri": [["20:00", "24:00"]]}}
    calendar = BusinessCalendar.from_config(config)
    assert calendar.weekly_hours[4] == ((time(20), time(0)),)
    assert calendar.to_config()["weekly_hours"] == {"fri": [["20:00", "24:00"]]}


def bogota_config(**changes: object) -> dict[str, object]:
    return {"timezone": "America/Bogota", "weekly_hours": {"mon": [["08:00", "17:00"]]}, **changes}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (bogota_config(weekly_hours={"monday": []}), "unknown day 'monday'"),
        (bogota_config(weekly_hours={"mon": [["9am", "5pm"]]}), "invalid time '9am'"),
        (bogota_config(weekly_hours={"mon": [["24:00", "24:00"]]}), "24:00 can only end"),
        (bogota_config(weekly_hours={"mon": "08:00-17:00"}), "invalid slots"),
        (bogota_config(weekly_hours=[]), "needs a timezone and weekly_hours"),
        (bogota_config(holidays="CO"), "unknown calendar settings: holidays"),
        (bogota_config(extra_closed_dates=["12/12/2026"]), "invalid date '12/12/2026'"),
    ],
)
def test_bad_config_is_refused_with_a_clear_message(config, message):
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_config(config)


def test_ready_made_calendars_use_their_countrys_zone_and_holidays():
    assert (cdmx().timezone, cdmx().country) == ("America/Mexico_City", "MX")
    assert (bogota().timezone, bogota().country) == ("America/Bogota", "CO")
    assert buenos_aires().country == "AR"
    assert not bogota().is_business_day(date(2026, 11, 16))  # Independence of Cartagena
    assert bogota().is_business_day(date(2026, 11, 14))  # a Saturday morning
    assert not buenos_aires().is_business_day(date(2026, 11, 14))
