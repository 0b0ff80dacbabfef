"""CSAT in the report: average and distribution worked out by hand on a small set, the
same in JSON, the summary CSV and the PDF; the ratings table as CSV; an agent sees only
the ratings of their own tickets."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask_babel import force_locale

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.ratings import services as ratings
from helpdesk.reports.document import render_report_pdf
from helpdesk.reports.export import csv_table, report_json
from helpdesk.reports.queries import build_report
from helpdesk.reports.scope import EVERYTHING, Filters, Period
from helpdesk.tickets import services as tickets
from tests.factories import PASSWORD
from tests.reports.test_exports import pdf_text

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "America/Mexico_City")


def rated(session, make, *, agent, queue, score, comment=None, days_ago=1):
    """A ticket of ``queue`` resolved by ``agent`` and rated ``days_ago`` before now."""
    ticket = make.ticket()
    ticket.queue_id, ticket.assignee_id = queue.id, agent.id
    when = clock.now() - timedelta(days=days_ago)
    tickets.set_status(session, ticket, "resolved", actor=Actor.system("test"), now=when)
    ratings.rate(session, ticket, key=None, score=score, comment=comment, channel="email", now=when)
    return ticket


def small_set(session, make):
    """Ana: 5 and 4; Beto: 1 and 4, one of them in October (outside the period).
    November: scores 5, 4, 4 → average 13 / 3 = 4.33; one 4 from each agent."""
    ana, beto = make.user(name="Ana"), make.user(name="Beto")
    queue = make.queue("Disputas")
    first = rated(session, make, agent=ana, queue=queue, score=5, comment="Excelente, gracias")
    rated(session, make, agent=ana, queue=queue, score=4)
    rated(session, make, agent=beto, queue=queue, score=4, comment='Bien, "rápido"')
    rated(session, make, agent=beto, queue=queue, score=1, days_ago=40)  # October
    session.flush()
    return ana, beto, first


def test_average_and_distribution_are_the_hand_computed_ones_everywhere(app, session, make):
    small_set(session, make)
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())

    assert report.csat.count == 3 and report.csat.average == 4.33
    assert report.csat.distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    figures = report_json(report)["csat"]
    assert figures == {
        "count": 3,
        "average": 4.33,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1},
    }
    with force_locale("en"):
        summary = dict(list(csv.reader(io.StringIO("".join(csv_table(report, "summary"))[1:])))[1:])
        pdf = " ".join(
            pdf_text(render_report_pdf(report, filter_names=[], organisation="X")).split()
        )
    assert summary["Satisfaction ratings"] == "3"
    assert summary["Satisfaction · average (1 to 5)"] == "4.33"
    assert summary["Satisfaction ratings · 4"] == "2"
    assert "Average (1 to 5) 4.33 3 ratings" in pdf
    assert "5 1 33.3 %" in pdf and "4 2 66.7 %" in pdf
    with force_locale("es"):
        pdf = " ".join(
            pdf_text(render_report_pdf(report, filter_names=[], organisation="X")).split()
        )
    assert "Promedio (1 a 5) 4,33 3 calificaciones" in pdf


def test_the_ratings_csv_reads_back_and_an_agent_sees_only_their_own(
    app, client, session, make, signed_in
):
    ana, _beto, first = small_set(session, make)
    signed_in("manager", locale="en", timezone="America/Mexico_City")
    query = "from=2026-11-01&to=2026-11-30"

    body = client.get(f"/reports/export.csv?table=ratings&{query}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Folio", "Agent", "Queue", "Score", "Comment", "Rated at"]
    assert len(rows) == 4
    assert [first.folio, "Ana", "Disputas", "5", "Excelente, gracias"] == rows[3][:5]
    assert [r[4] for r in rows[1:] if r[4].startswith("Bien")] == ['Bien, "rápido"']
    assert rows[3][5].endswith("-06:00")  # Mexico City time, the report's zone
    assert client.get(f"/reports/report.json?{query}").get_json()["csat"]["average"] == 4.33
    dashboard = client.get(f"/reports?{query}").get_data(as_text=True)
    assert "<strong class=\"value\" data-csat-average>4.33</strong>" in dashboard
    assert "3 ratings" in dashboard and "table=ratings" in dashboard

    client.post("/logout")
    client.post("/login", data={"email": ana.email, "password": PASSWORD})
    mine = client.get(f"/reports/export.csv?table=ratings&{query}").get_data(as_text=True)
    assert {r[1] for r in list(csv.reader(io.StringIO(mine.lstrip("\ufeff"))))[1:]} == {"Ana"}
    assert client.get(f"/reports/report.json?{query}").get_json()["csat"]["count"] == 2
