"""JSON, CSV and PDF carry the dashboard's figures: one source of truth, read back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pypdf
import pytest
from flask_babel import force_locale

from helpdesk import clock
from helpdesk.reports import labels
from helpdesk.reports.cli import report_commands
from helpdesk.reports.document import render_report_pdf
from helpdesk.reports.export import BOM, csv_table, report_json, ticket_csv, ticket_file
from helpdesk.reports.queries import build_report
from helpdesk.reports.rows import METRICS, count_behind, ticket_table, tickets_behind
from helpdesk.reports.scope import EVERYTHING, Filters, Period

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "America/Mexico_City")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def cli(app, *arguments: str):
    return app.test_cli_runner().invoke(report_commands, ["sla", *arguments])


def test_the_cli_json_is_the_report(app, session, month):
    result = cli(app, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())
    assert figures == json.loads(json.dumps(report_json(report)))
    assert figures["totals"] == {"opened": 6, "resolved": 3, "backlog": 4}
    assert figures["sla"]["first_response"] == {
        "met": 3,
        "breached": 1,
        "running": 1,
        "met_percent": 75.0,
    }
    assert figures["times_minutes"]["resolution"] == {"median": 1020.0, "p90": 1080.0}
    assert figures["breaches"][0]["due_at"] == "2026-11-04T11:00:00-06:00"  # the report's zone


def test_the_cli_narrows_to_queues_by_name_and_refuses_unknown_ones(app, session, month):
    result = cli(app, "--from", "2026-11-01", "--to", "2026-11-30", "--queue", "colombia")
    assert json.loads(result.stdout)["totals"] == {"opened": 1, "resolved": 0, "backlog": 1}
    result = cli(app, "--from", "2026-11-01", "--to", "2026-11-30", "--queue", "Nadie")
    assert result.exit_code == 1
    assert "Nadie" in result.output
    result = cli(app, "--from", "2026-11-30", "--to", "2026-11-01")
    assert result.exit_code == 1
    assert "anterior a su inicio" in result.output  # the default locale is Spanish


def test_the_cli_narrows_to_a_country(app, session, month):
    # the conftest month links T5 to Banco Demo's account, whose schedule is Mexican
    result = cli(app, "--from", "2026-11-01", "--to", "2026-11-30", "--country", "mx")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["opened"] == 1
    result = cli(app, "--from", "2026-11-01", "--to", "2026-11-30", "--country", "PE")
    assert result.exit_code == 1
    assert "dos letras" in result.output


def test_the_cli_writes_the_pdf(app, session, month, tmp_path):
    out = tmp_path / "report.pdf"
    result = cli(
        app, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert month.tickets["T1"].folio in pdf_text(out.read_bytes())


@pytest.mark.parametrize("locale", ["es", "en"])
def test_the_pdf_says_what_the_json_says(app, session, month, locale):
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())
    figures = report_json(report)
    with force_locale(locale):
        pdf = render_report_pdf(report, filter_names=[], organisation="Cobranza Sur")
        text = " ".join(pdf_text(pdf).split())
        expected = [
            "Cobranza Sur",
            "2026-11-01",
            "2026-11-30",
            "America/Mexico_City",
            labels.percent(figures["sla"]["first_response"]["met_percent"]),
            labels.percent(figures["sla"]["resolution"]["met_percent"]),
            *(
                labels.duration(figures["times_minutes"][t][k])
                for t in ("first_response", "resolution")
                for k in ("median", "p90")
            ),
            *(b["folio"] for b in figures["breaches"]),
            *(q["name"] for q in figures["queues"]),
            "Banco Demo",
            "MX-PAUSADA",
            "trato",
            str(labels.DEFINITIONS[0][0]),
            str(labels.DEFINITIONS[-1][0]),
            str(labels.TARGETS["first_response"]),
        ]
        summary = text.split(str(labels.TARGETS["first_response"]))[0]
        opened_label = str(labels.COLUMNS["opened"])
    missing = [piece for piece in expected if " ".join(str(piece).split()) not in text]
    assert not missing, (missing, text[:3000])
    assert f"{opened_label} {figures['totals']['opened']}" in summary
    assert "1 / " in text  # page numbers: the print stylesheet was applied
    if locale == "es":
        assert "Informe de SLA" in text


def test_the_pdf_of_an_empty_period_says_so(app, session):
    period = Period(date(2025, 1, 1), date(2025, 1, 31), "America/Mexico_City")
    report = build_report(session, period, Filters(), EVERYTHING, now=clock.now())
    with force_locale("es"):
        text = pdf_text(render_report_pdf(report, filter_names=[], organisation="Cobranza Sur"))
    assert "Cobranza Sur" in text
    assert "No hay tickets en este periodo" in text


def test_csv_tables_read_back_as_their_rows(session, month):
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())
    with force_locale("en"):
        body = "".join(csv_table(report, "summary"))
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["Figure", "Value"]
    values = dict(rows[1:])
    assert values["Opened"] == "6"
    assert values["First response · % Met"] == "75.0"
    assert values["Resolution · median, business minutes"] == "1020.0"
    with force_locale("es"):
        queues = list(csv.reader(io.StringIO("".join(csv_table(report, "queues"))[1:])))
    assert queues[0][0] == "Cola"
    assert ["Colombia", "1", "0", "1", "100.0", "0.0", "60.0", ""] in queues


@pytest.mark.parametrize("metric", METRICS)
def test_the_tickets_behind_a_figure_are_as_many_as_the_figure(session, month, metric):
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())
    if "." in metric:
        target, state = metric.split(".")
        expected = getattr(report.sla[target], state)
    else:
        expected = getattr(report, metric)
    rows = list(
        tickets_behind(session, NOVEMBER, Filters(), EVERYTHING, metric=metric, now=clock.now())
    )
    assert len(rows) == expected
    assert (
        count_behind(session, NOVEMBER, Filters(), EVERYTHING, metric=metric, now=clock.now())
        == expected
    )
    table = ticket_table(session, NOVEMBER, Filters(), EVERYTHING, metric=metric, now=clock.now())
    with force_locale("es"):
        body = "".join(ticket_csv(table, NOVEMBER.tz))
    assert len(list(csv.reader(io.StringIO(body[1:])))) == expected + 1


def test_the_ticket_rows_carry_each_clock(session, month):
    rows = {
        r.folio: r
        for r in tickets_behind(
            session, NOVEMBER, Filters(), EVERYTHING, metric="opened", now=clock.now()
        )
    }
    t1 = rows[month.tickets["T1"].folio]
    assert (t1.state("first_response"), t1.first_response_minutes) == ("breached", 390.0)
    t4 = rows[month.tickets["T4"].folio]
    assert t4.state("resolution") == "running"
    assert rows[month.tickets["T6"].folio].state("first_response") is None
    assert rows[month.tickets["T5"].folio].outcome == "favourable"


def test_deadlines_met_before_the_report_figures_get_them_back(app, session, month):
    from sqlalchemy import update

    from helpdesk.sla.cli import sla_commands
    from helpdesk.sla.models import TicketDeadline

    session.execute(update(TicketDeadline).values(used_minutes=None))
    result = app.test_cli_runner().invoke(sla_commands, ["recompute"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"recomputed": 4}  # T1, T2, T3 and T5 have met clocks
    report = build_report(session, NOVEMBER, Filters(), EVERYTHING, now=clock.now())
    assert report.times["first_response"] == (30.0, 390.0)


def test_a_filter_on_a_queue_that_is_gone_says_so(app, session, month):
    from helpdesk.reports.document import describe_filters

    with force_locale("es"):
        words = describe_filters(session, Filters(queue_ids=(987654,)))
    assert words == ["Cola: una cola que ya no existe"]


def test_the_ticket_csv_writes_times_in_the_report_zone_to_the_microsecond(session, month):
    # PostgreSQL writes the times itself (to_char in the report's zone), SQLite leaves it to
    # Python: both must read like isoformat(), with ".ffffff" only when there is one.
    from datetime import timedelta

    from sqlalchemy import text

    t1, t2 = month.tickets["T1"], month.tickets["T2"]
    t1.created_at = t1.created_at + timedelta(microseconds=120)
    session.flush()
    postgres = session.get_bind().dialect.name == "postgresql"
    zone_before = session.scalar(text("SHOW TimeZone")) if postgres else None
    with force_locale("es"):
        table = ticket_table(
            session, NOVEMBER, Filters(), EVERYTHING, metric="opened", now=clock.now()
        )
        rows = list(csv.reader(io.StringIO("".join(ticket_csv(table, NOVEMBER.tz))[1:])))
    by_folio = {row[0]: row for row in rows[1:]}
    # T1 opened Friday 13th 17:00 in Mexico City (UTC−6), answered Tuesday 17th 09:30
    assert by_folio[t1.folio][8] == "2026-11-13T17:00:00.000120-06:00"
    assert by_folio[t1.folio][11] == "2026-11-17T09:30:00-06:00"
    assert by_folio[t1.folio][12] == "Incumplidos"  # 390 business minutes against 120
    assert by_folio[t2.folio][8] == "2026-11-09T10:00:00-06:00"
    if postgres:  # the zone was the file's, for its transaction only
        assert session.scalar(text("SHOW TimeZone")) == zone_before


def _both_files(session, metric: str, locale: str) -> tuple[str, str]:
    """The ticket CSV as Python writes it (``ticket_csv``) and as the app serves it
    (``ticket_file``: written by PostgreSQL there, by the same Python on SQLite)."""
    now = clock.now()
    with force_locale(locale):
        table = ticket_table(session, NOVEMBER, Filters(), EVERYTHING, metric=metric, now=now)
        python = "".join(ticket_csv(table, NOVEMBER.tz))
        served = "".join(
            ticket_file(session, NOVEMBER, Filters(), EVERYTHING, metric=metric, now=now)
        )
    return python, served


def _awkward(session, month) -> None:
    """Subjects and names a CSV must quote or keep as they are, a ticket with no queue nor
    agent, an outcome the labels do not know, minutes on a rounding edge."""
    from sqlalchemy import select, update

    from helpdesk.holds.models import TicketOutcome
    from helpdesk.sla.models import TicketDeadline

    t1, t2, t3, t4, t6 = (month.tickets[k] for k in ("T1", "T2", "T3", "T4", "T6"))
    t1.subject = 'Cargo "doble", de $1,250.00\ny una línea más'
    t2.subject = "Línea con\r\nfin de Windows y ; punto y coma"
    t3.subject = "  espacios alrededor, y tabulador\t "
    t4.subject = ""  # an empty field: nothing written, as for no value
    t6.subject = "Reclamación — ñandú, acción \\ barra"
    t6.queue_id, t6.assignee_id = None, None
    month.disputas.name = 'Disputas "MX", Norte'
    month.ana.name = 'Ána Núñez, "la jefa"'
    session.flush()
    minutes = iter([0.15, 12.25, 0.04999999999999999, 1e-05, 59.95, 1234567.85, 0.45])
    for deadline in session.scalars(select(TicketDeadline).order_by(TicketDeadline.id)):
        value = next(minutes, None)
        if value is None:
            break
        deadline.used_minutes = value
    session.execute(update(TicketOutcome).values(outcome="withdrawn"))
    session.flush()


@pytest.mark.parametrize("locale", ["es", "en"])
def test_postgresql_writes_the_ticket_csv_byte_for_byte_as_python_does(session, month, locale):
    _awkward(session, month)
    for metric in METRICS:
        python, served = _both_files(session, metric, locale)
        assert served == python, metric
    python, _served = _both_files(session, "opened", locale)
    rows = list(csv.reader(io.StringIO(python[1:], newline="")))
    assert len(rows) == 7  # the header and the month's six tickets
    subjects = {row[1] for row in rows[1:]}
    assert 'Cargo "doble", de $1,250.00\ny una línea más' in subjects
    assert "Línea con\r\nfin de Windows y ; punto y coma" in subjects
    assert "withdrawn" in {row[18] for row in rows}  # an unknown outcome, as it is
    assert python.count("\r\n") == 7 + 1  # the rows' ends and the Windows line break


def test_business_minutes_round_half_up_as_written(session, month):
    from sqlalchemy import update

    from helpdesk.sla.models import TicketDeadline

    t1 = month.tickets["T1"]
    session.execute(
        update(TicketDeadline).where(TicketDeadline.ticket_id == t1.id).values(used_minutes=0.15)
    )
    session.flush()
    _python, served = _both_files(session, "opened", "es")
    rows = {row[0]: row for row in csv.reader(io.StringIO(served[1:], newline=""))}
    # 0.15 is the float 0.1499…: round() would write 0.1; the file rounds what it reads
    assert rows[t1.folio][13] == rows[t1.folio][17] == "0.2"
    assert rows[month.tickets["T2"].folio][13] == "30.0"


def test_an_empty_ticket_csv_is_its_header(session):
    python, served = _both_files(session, "opened", "es")
    assert served == python
    assert served.startswith(BOM + "Folio,")
    assert served.count("\r\n") == 1
