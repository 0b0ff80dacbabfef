"""The report pages as each role sees them, and the downloads."""

from __future__ import annotations

import csv
import io

import pypdf
import pytest

from tests.factories import PASSWORD

NOVEMBER = "from=2026-11-01&to=2026-11-30"


def sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def figures(client, query: str = NOVEMBER) -> dict:
    response = client.get(f"/reports/report.json?{query}")
    assert response.status_code == 200
    return response.get_json()


def test_a_manager_sees_every_queue_with_charts_and_links(client, signed_in, month):
    signed_in("manager")
    page = client.get(f"/reports?{NOVEMBER}").get_data(as_text=True)
    assert "Informe de SLA" in page
    assert page.count('<svg class="chart"') == 3
    assert "Tabla de datos" in page  # every chart has its numbers as a table
    assert 'href="/reports/tickets?metric=opened&amp;from=2026-11-01' in page
    assert month.tickets["T3"].folio in page  # in the breach list
    assert figures(client)["totals"] == {"opened": 6, "resolved": 3, "backlog": 4}


def test_an_agent_sees_only_their_own_figures(client, month):
    sign_in(client, month.beto)
    assert figures(client)["totals"] == {"opened": 2, "resolved": 0, "backlog": 3}
    page = client.get(f"/reports?{NOVEMBER}").get_data(as_text=True)
    assert "Sus propios tickets." in page
    rows = client.get(f"/reports/tickets?metric=opened&{NOVEMBER}").get_data(as_text=True)
    assert month.tickets["T3"].folio in rows
    assert month.tickets["T1"].folio not in rows  # Ana's


def test_a_supervisor_sees_the_queues_they_belong_to(client, signed_in, month, session):
    supervisor = signed_in("supervisor")
    supervisor.queues.append(month.colombia)
    session.flush()
    assert figures(client)["totals"] == {"opened": 1, "resolved": 0, "backlog": 1}
    # asking for another queue's figures gives nothing, not that queue
    other = f"{NOVEMBER}&queue={month.disputas.id}"
    assert figures(client, other)["totals"] == {"opened": 0, "resolved": 0, "backlog": 0}


def test_the_list_behind_a_figure_has_as_many_tickets(client, signed_in, month):
    signed_in("manager")
    page = client.get(f"/reports/tickets?metric=resolution.breached&{NOVEMBER}").get_data(
        as_text=True
    )
    assert "3 tickets" in page
    for name in ("T1", "T3", "T5"):
        assert month.tickets[name].folio in page
    assert client.get(f"/reports/tickets?metric=everything&{NOVEMBER}").status_code == 404


def test_csv_downloads_stream_with_a_bom(client, signed_in, month):
    signed_in("manager")
    response = client.get(f"/reports/export.csv?table=tickets&metric=opened&{NOVEMBER}")
    assert response.status_code == 200
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][0] == "Folio"
    assert len(rows) == 7
    assert "Aclaración (disputa)" in body or "Aclaración" in body
    summary = client.get(f"/reports/export.csv?table=summary&{NOVEMBER}").get_data(as_text=True)
    assert "Abiertos,6" in summary
    assert client.get(f"/reports/export.csv?table=secrets&{NOVEMBER}").status_code == 404


def test_the_pdf_downloads(client, signed_in, month):
    signed_in("manager")
    response = client.get(f"/reports/report.pdf?{NOVEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="report-2026-11-01-2026-11-30.pdf"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-30&to=2026-11-01", "El fin del periodo es anterior a su inicio."),
        ("from=2024-01-01&to=2026-11-30", "Un informe abarca como máximo 400 días."),
        ("from=ayer&to=2026-11-30", "Las fechas se escriben AAAA-MM-DD."),
        ("from=2026-11-01&to=2026-11-30&queue=cola", "No hay ninguna cola con ese nombre."),
        ("from=2026-11-01&to=2026-11-30&team=cola", "No hay ningún equipo con ese nombre."),
        ("from=2026-11-01&to=2026-11-30&country=Peru", "Los países se escriben con dos letras"),
    ],
)
def test_a_report_that_makes_no_sense_says_why(client, signed_in, query, message):
    signed_in("manager")
    response = client.get(f"/reports?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get(f"/reports/report.json?{query}").status_code == 400


def test_an_unknown_queue_id_and_an_empty_period(client, signed_in, month):
    signed_in("manager")
    empty = client.get("/reports?from=2025-01-01&to=2025-01-31").get_data(as_text=True)
    assert "No hay tickets en este periodo." in empty
    assert figures(client, f"{NOVEMBER}&queue=999999")["totals"]["opened"] == 0


def test_the_month_so_far_by_default(client, signed_in, month):
    signed_in("manager")
    report = figures(client, "")
    assert report["period"] == {
        "from": "2026-11-01",
        "to": "2026-11-23",
        "time_zone": "America/Mexico_City",
    }


def test_nobody_else_sees_reports(client, month):
    for path in ("/reports", "/reports/report.json", "/reports/report.pdf", "/reports/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_year_with_every_filter(client, signed_in, month):
    signed_in("manager")
    query = (
        f"from=2025-12-01&to=2026-11-30&queue={month.disputas.id}&agent={month.ana.id}"
        "&type=dispute&channel=email&creditor=Banco+Demo&portfolio=Tarjetas"
    )
    assert figures(client, query)["totals"] == {"opened": 1, "resolved": 1, "backlog": 0}  # T5
    assert client.get(f"/reports?{query}").status_code == 200
    assert client.get(f"/reports/report.pdf?{query}").data.startswith(b"%PDF")


def test_the_dashboard_offers_the_teams_and_filters_by_one(client, signed_in, month, session):
    month.colombia.members.append(month.beto)
    session.flush()
    signed_in("manager")
    page = client.get(f"/reports?{NOVEMBER}&team={month.colombia.id}").get_data(as_text=True)
    assert '<select id="team" name="team">' in page
    assert f'<option value="{month.colombia.id}" selected>Colombia</option>' in page
    assert (
        f'<option value="{month.quejas.id}"' not in page.split('id="team"')[1].split("</select>")[0]
    )
    report = figures(client, f"{NOVEMBER}&team={month.colombia.id}")
    assert report["filters"]["team_ids"] == [month.colombia.id]
    assert report["totals"] == {"opened": 2, "resolved": 0, "backlog": 3}  # Beto's tickets
    pdf = client.get(f"/reports/report.pdf?{NOVEMBER}&team={month.colombia.id}")
    assert pdf.data.startswith(b"%PDF")


def test_the_dashboard_offers_the_portfolios_countries_and_filters_by_one(client, signed_in, month):
    signed_in("manager")
    page = client.get(f"/reports?{NOVEMBER}&country=MX").get_data(as_text=True)
    assert '<option value="MX" selected>México</option>' in page
    report = figures(client, f"{NOVEMBER}&country=MX")
    assert report["filters"]["countries"] == ["MX"]
    assert report["totals"]["opened"] == 1  # T5, on Banco Demo's Mexican book
    pdf = client.get(f"/reports/report.pdf?{NOVEMBER}&country=MX")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "País: México" in text
