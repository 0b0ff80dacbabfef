"""The report's figures on the month in conftest.py, each worked out by hand there."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk import clock
from helpdesk.reminders.models import ReminderSchedule
from helpdesk.reports.figures import Compliance
from helpdesk.reports.queries import build_report
from helpdesk.reports.scope import EVERYTHING, Filters, Period, ReportError, Scope
from helpdesk.tickets import services as tickets
from tests.reports.conftest import SYSTEM

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "America/Mexico_City")


def report(session, filters=None, scope=EVERYTHING, period=NOVEMBER):
    return build_report(session, period, filters or Filters(), scope, now=clock.now())


def test_counts_compliance_and_business_hour_times(session, month):
    r = report(session)
    assert (r.opened, r.resolved, r.backlog) == (6, 3, 4)
    assert r.sla["first_response"] == Compliance(met=3, breached=1, running=1)
    assert r.sla["resolution"] == Compliance(met=1, breached=3, running=1)
    assert r.sla["first_response"].met_percent == 75.0
    assert r.sla["resolution"].met_percent == 25.0
    # first responses took 15 (T5), 30 (T2), 60 (T3, Bogotá hours), 390 (T1, across the
    # weekend and the holiday) business minutes; resolutions 240 (T2, pause and reopening
    # left out), 1020 (T1), 1080 (T5)
    assert r.times["first_response"] == (30.0, 390.0)
    assert r.times["resolution"] == (1020.0, 1080.0)


def test_the_breach_list_names_ticket_target_and_who_held_it(session, month):
    rows = [(b.folio, b.target, b.held_by, b.met_at is None) for b in report(session).breaches]
    t1, t3, t5 = (month.tickets[n].folio for n in ("T1", "T3", "T5"))
    assert rows == [
        (t5, "resolution", "Ana Núñez", False),
        (t1, "first_response", "Ana Núñez", False),
        (t1, "resolution", "Ana Núñez", False),
        (t3, "resolution", "Beto Ruiz", True),
    ]


def test_backlog_ages_are_counted_now_when_the_period_has_not_ended(session, month):
    # now is Monday 23rd 10:00: T4 is half an hour old, T6 (Friday noon) 2.9 days, T3
    # (Thursday 08:00) 4.1 days, T7 opened in October
    assert report(session).backlog_ages == [
        ("0-1", 1),
        ("1-3", 1),
        ("3-7", 1),
        ("7-14", 0),
        ("14-30", 0),
        ("30+", 1),
    ]


def test_disputes_holds_and_complaints(session, month):
    r = report(session)
    assert r.outcomes_by_type == [("dispute", {"favourable": 1, "unfavourable": 0, "partial": 0})]
    assert r.outcomes_by_creditor == [
        ("Banco Demo", {"favourable": 1, "unfavourable": 0, "partial": 0})
    ]
    assert (r.holds_ended, r.hold_days) == (1, (5.0, 5.0))  # two days held, three of grace
    assert [(h.folio, h.account, h.days) for h in r.longest_holds] == [
        (month.tickets["T4"].folio, "MX-PAUSADA", 0.0)
    ]
    assert r.reminders_skipped == 1
    assert r.complaints_by_cause == [("trato", 1)]
    assert r.csat.count == 0 and r.csat.average is None


def test_days_follow_the_report_time_zone(session, month):
    days = {d.day: d for d in report(session).days}
    assert len(days) == 30
    assert days[date(2026, 11, 19)].opened == 1  # T3: 09:00 in Bogotá is the 19th in CDMX too
    assert days[date(2026, 11, 13)].sla["first_response"] == Compliance(breached=1)
    assert sum(d.opened for d in days.values()) == 6
    assert sum(d.resolved for d in days.values()) == 3
    # the same tickets seen from Buenos Aires: T1 opened Friday 17:00 in CDMX, 20:00 there
    buenos_aires = Period(date(2026, 11, 1), date(2026, 11, 30), "America/Argentina/Buenos_Aires")
    days = {d.day: d for d in report(session, period=buenos_aires).days}
    assert days[date(2026, 11, 13)].opened == 1


def test_queues_and_agents(session, month):
    r = report(session)
    queues = {q.name: q for q in r.queues}
    assert (queues["Disputas"].opened, queues["Disputas"].resolved, queues["Disputas"].backlog) == (
        4,
        3,
        2,
    )
    assert queues["Colombia"].first_response_median == 60.0
    assert queues["Disputas"].daily[12] == 1  # T1 on the 13th
    agents = {a.name: a for a in r.agents}
    assert agents["Ana Núñez"].resolved == 3
    assert agents["Beto Ruiz"].opened == 2
    assert agents["—"].opened == 1  # T4, unassigned


def test_filters_narrow_every_figure(session, month):
    r = report(session, Filters(queue_ids=(month.colombia.id,)))
    assert (r.opened, r.resolved, r.backlog) == (1, 0, 1)
    assert r.sla["resolution"] == Compliance(breached=1)
    r = report(session, Filters(creditors=("Banco Demo",)))
    assert (r.opened, r.holds_ended, r.reminders_skipped) == (1, 1, 1)
    assert report(session, Filters(creditors=("Financiera Sur",))).reminders_skipped == 0
    r = report(session, Filters(channels=("whatsapp",)))
    assert r.opened == 1
    r = report(session, Filters(types=("complaint",)))
    assert (r.opened, r.sla["first_response"].total) == (1, 0)


def test_a_country_is_the_country_of_the_linked_accounts_portfolio(session, month):
    # Banco Demo's book has a Mexican reminder schedule (conftest); Financiera Sur's is
    # Colombian here; T4 is linked to Financiera Sur's account, T5 to Banco Demo's.
    moment, book = month.tickets["T4"].created_at, month.tickets["T4"].accounts[0].portfolio
    session.add(
        ReminderSchedule(
            creditor="Financiera Sur",
            portfolio=book,
            name="CO",
            country="CO",
            created_at=moment,
            updated_at=moment,
        )
    )
    session.flush()
    folios = {n: month.tickets[n].folio for n in ("T4", "T5")}
    mexico = report(session, Filters(countries=("MX",)))
    assert (mexico.opened, [h.folio for h in mexico.longest_holds]) == (1, [])
    colombia = report(session, Filters(countries=("CO",)))
    assert (colombia.opened, [h.folio for h in colombia.longest_holds]) == (1, [folios["T4"]])
    both = report(session, Filters(countries=("CO", "MX")))
    assert both.opened == 2
    assert report(session, Filters(countries=("AR",))).is_empty
    # a creditor and a country together: the same account must satisfy both
    assert report(session, Filters(creditors=("Banco Demo",), countries=("CO",))).is_empty


def test_what_each_role_sees(session, month, make):
    own = report(session, scope=Scope(assignee_id=month.beto.id))
    assert (own.opened, own.backlog) == (2, 3)  # T3 and T6 in November, T7 still open
    queues = report(session, scope=Scope(queue_ids=frozenset({month.disputas.id})))
    assert queues.opened == 4
    nothing = report(session, scope=Scope(queue_ids=frozenset()))
    assert nothing.is_empty


def test_a_period_with_no_tickets_has_no_percentages(session, month):
    r = report(session, period=Period(date(2025, 1, 1), date(2025, 1, 31), "America/Mexico_City"))
    assert r.is_empty
    assert r.sla["first_response"].met_percent is None
    assert r.times["resolution"] == (None, None)
    assert r.hold_days == (None, None)


@pytest.mark.parametrize(
    ("start", "end", "zone", "reason"),
    [
        (date(2026, 11, 30), date(2026, 11, 1), "America/Mexico_City", "end_before_start"),
        (date(2025, 1, 1), date(2026, 6, 1), "America/Mexico_City", "too_long"),
        (date(2026, 11, 1), date(2026, 11, 30), "Mars/Olympus", "unknown_zone"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused(start, end, zone, reason):
    with pytest.raises(ReportError, match=reason):
        Period(start, end, zone)


def test_a_team_filter_counts_its_members_tickets_in_any_queue(session, month):
    # Beto is Colombia's only member: his tickets are T3 (Colombia) and T6 (Quejas) in
    # November, and T7 (Disputas, October) still open; Ana's are not counted.
    month.colombia.members.append(month.beto)
    session.flush()
    r = report(session, Filters(team_ids=(month.colombia.id,)))
    assert (r.opened, r.resolved, r.backlog) == (2, 0, 3)
    assert [a.name for a in r.agents] == ["Beto Ruiz"]
    assert {q.name for q in r.queues} == {"Colombia", "Quejas", "Disputas"}
    # a team nobody belongs to has no tickets
    assert report(session, Filters(team_ids=(month.quejas.id,))).is_empty


def test_a_merged_ticket_leaves_every_figure_filtered_or_not(session, month):
    # T5 (Banco Demo's dispute: its outcome, its ended hold) is merged into T2. Unfiltered,
    # the hold and the outcome are left out by asking the merged tickets; with a filter,
    # by joining the report's tickets: both ways must agree.
    t5, t2 = month.tickets["T5"], month.tickets["T2"]
    with clock.freeze(clock.now()):
        tickets.merge(session, t5, t2, actor=SYSTEM, now=clock.now())
    session.flush()
    for filters in (Filters(), Filters(queue_ids=(month.disputas.id,))):
        r = report(session, filters)
        assert r.outcomes_by_type == r.outcomes_by_creditor == []
        assert (r.holds_ended, r.hold_days) == (0, (None, None))
        assert t5.folio not in {b.folio for b in r.breaches}
    assert report(session).opened == 5
