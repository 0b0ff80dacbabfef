"""The report in words: its targets, states, buckets and the definition of every figure.

The definitions page of the PDF and the notes under the dashboard's figures read the same
``DEFINITIONS``; change a query in ``queries.py`` and its sentence here together.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

TARGETS = {
    "first_response": _l("First response"),
    "resolution": _l("Resolution"),
}

STATES = {
    "met": _l("Met"),
    "breached": _l("Breached"),
    "running": _l("Still running"),
}

OUTCOMES = {
    "favourable": _l("Favourable"),
    "unfavourable": _l("Unfavourable"),
    "partial": _l("Partial"),
}

AGES = {
    "0-1": _l("Under 1 day"),
    "1-3": _l("1–3 days"),
    "3-7": _l("3–7 days"),
    "7-14": _l("1–2 weeks"),
    "14-30": _l("2–4 weeks"),
    "30+": _l("Over 30 days"),
}

COLUMNS = {
    "figure": _l("Figure"),
    "value": _l("Value"),
    "opened": _l("Opened"),
    "resolved": _l("Tickets resolved"),  # "Resolved" alone is the status, singular in Spanish
    "backlog": _l("Backlog"),
    "median_minutes": _l("median, business minutes"),
    "p90_minutes": _l("90th percentile, business minutes"),
    "holds_ended": _l("Holds ended"),
    "paused_median_days": _l("Collection paused, median days"),
    "paused_p90_days": _l("Collection paused, 90th percentile days"),
    "reminders_skipped": _l("Reminders skipped because of a hold"),
    "backlog_age": _l("Backlog age"),
    "day": _l("Period start"),
    "queue": _l("Queue"),
    "assignee": _l("Agent"),
    "folio": _l("Folio"),
    "subject": _l("Subject"),
    "type": _l("Type"),
    "channel": _l("Channel"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "created_at": _l("Opened at"),
    "resolved_at": _l("Resolved at"),
    "first_response_due": _l("First response due"),
    "first_response_at": _l("First response at"),
    "first_response_state": _l("First response"),
    "first_response_minutes": _l("First response, business minutes"),
    "resolution_due": _l("Resolution due"),
    "resolution_at": _l("Resolution met at"),
    "resolution_state": _l("Resolution"),
    "resolution_minutes": _l("Resolution, business minutes"),
    "outcome": _l("Outcome"),
    "target": _l("Target"),
    "due": _l("Due"),
    "met": _l("Met at"),
    "held_by": _l("Held by"),
    "by": _l("By"),
    "group": _l("Group"),
    "creditor": _l("Creditor"),
    "account": _l("Account"),
    "hold_since": _l("On hold since"),
    "days": _l("Days"),
    "cause": _l("Cause"),
    "count": _l("Tickets"),
}

ERRORS = {
    "end_before_start": _l("The end of the period is before its start."),
    "too_long": _l("A report covers at most 400 days."),
    "unknown_zone": _l("Unknown time zone."),
    "unknown_frequency": _l("Choose weekly or monthly."),
    "bad_date": _l("Dates are written YYYY-MM-DD."),
    "unknown_queue": _l("There is no queue with that name."),
    "unknown_metric": _l("Unknown figure."),
    "unknown_agent": _l("There is no agent with that name."),
    "unknown_team": _l("There is no team with that name."),
    "unknown_country": _l("Countries are written as two-letter codes: MX, CO, AR or US."),
}

# (figure, definition): in the PDF's definitions page and under the dashboard.
DEFINITIONS = (
    (
        _l("Opened"),
        _l("Tickets created during the period (merged tickets are not counted)."),
    ),
    (
        _l("Tickets resolved"),
        _l(
            "Tickets whose last resolution falls in the period; a reopened ticket counts "
            "when it is resolved again."
        ),
    ),
    (
        _l("Backlog"),
        _l(
            "Tickets opened and neither resolved nor closed at the end of the period, or "
            "now if the period has not ended."
        ),
    ),
    (
        _l("Met"),
        _l(
            "Deadlines of tickets opened in the period that were met by their due time. "
            "The percentage is met out of met plus breached; running deadlines wait."
        ),
    ),
    (
        _l("Breached"),
        _l("Deadlines met after their due time, or due and still not met."),
    ),
    (
        _l("Still running"),
        _l("Deadlines not yet met whose due time has not come."),
    ),
    (
        _l("Time to first response, resolution"),
        _l(
            "Median and 90th percentile (nearest rank) of the time met deadlines took, in "
            "business hours of each ticket's own calendar for business-hour targets; time "
            "waiting on the debtor and time resolved before a reopening are left out."
        ),
    ),
    (
        _l("Held by"),
        _l("The agent assigned when the deadline was crossed."),
    ),
    (
        _l("Backlog age"),
        _l("Time since each backlog ticket was opened, in calendar days."),
    ),
    (
        _l("Dispute outcomes"),
        _l(
            "Outcomes recorded in the period, by ticket type and by creditor of the linked "
            "accounts (a ticket with accounts of two creditors counts for each)."
        ),
    ),
    (
        _l("Collection paused"),
        _l(
            "For holds that ended in the period: from the start of the hold until reminders "
            "may resume (the end of the hold plus its grace period), in calendar days."
        ),
    ),
    (
        _l("Reminders skipped"),
        _l("Scheduled reminders not sent in the period because the account was on hold."),
    ),
    (
        _l("Complaints by cause"),
        _l(
            "Complaints opened in the period, by their tags; a complaint with two tags "
            "counts for each."
        ),
    ),
    (
        _l("Satisfaction"),
        _l("Average and distribution of the debtors' ratings (1 to 5) in the period."),
    ),
)


def duration(minutes: float | None) -> str:
    """``45 min``, ``6 h 30 min``, ``3 d 2 h``: a business-time span for people."""
    if minutes is None:
        return "—"
    total = round(minutes)
    if total < 60:
        return _("%(m)d min", m=total)
    hours, rest = divmod(total, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min", h=hours, m=rest) if rest else _("%(h)d h", h=hours)
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h", d=days, h=hours)


def days(value: float | None) -> str:
    if value is None:
        return "—"
    return ngettext("%(days)s day", "%(days)s days", round(value), days=number(value))


def percent(value: float | None) -> str:
    """``75.0 %`` (``75,0 %`` in Spanish)."""
    if value is None:
        return "—"
    return f"{format_decimal(value, format='0.0', locale=get_locale())} %"


def number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, locale=get_locale())


def country(code: str) -> str:
    """The country's name in the viewer's language (Babel's CLDR names: "México")."""
    return Locale.parse(str(get_locale() or "es")).territories.get(code, code)


def when(moment: datetime | None, zone: tzinfo) -> str:
    """A moment in the report's zone (not the reader's: the report is about that zone)."""
    if moment is None:
        return "—"
    return format_datetime(moment, format="short", tzinfo=zone, locale=get_locale())
