"""End to end in Chromium: a manager opens the SLA report on the demo data, its charts
draw, a figure opens the tickets behind it, and the PDF downloads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from helpdesk.app import create_app
from helpdesk.demo import DEMO_PASSWORD, load_demo
from helpdesk.extensions import db
from tests.conftest import app_config, migrate_to_head
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_site(tmp_path: Path) -> Iterator[str]:
    app = create_app(
        app_config(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path, WTF_CSRF_ENABLED=True)
    )
    migrate_to_head(app)
    with app.app_context():
        load_demo(
            db.session, folio_prefix=app.config["FOLIO_PREFIX"], tickets_count=160, debtors=60
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def test_a_manager_reads_the_month_and_opens_the_breaches(demo_site: str, page: Page) -> None:
    page.goto(f"{demo_site}/login")
    page.get_by_label("Correo electrónico").fill("gerente@demo.aclara.mx")
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("link", name="Informes").click()
    expect(page.get_by_role("heading", name="Informe de SLA")).to_be_visible()
    page.get_by_label("Desde").fill("2026-10-01")
    page.get_by_role("button", name="Mostrar").click()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 250 and box["height"] > 80
        assert charts.nth(index).locator("rect, polyline").count() > 0  # something was drawn
    snap(page, "reports-dashboard")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1440
    team = page.get_by_label("Equipo")
    team.select_option(index=1)  # the first queue with members: their tickets, any queue
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_label("Equipo")).not_to_have_value("")
    expect(page.locator("svg.chart")).to_have_count(3)
    snap(page, "reports-dashboard-team")
    compliance = page.get_by_role("table", name="Cumplimiento de SLA")
    first_response = compliance.get_by_role("row").filter(has_text="Primera respuesta")
    breached = first_response.get_by_role("link").nth(1)
    count = breached.inner_text()
    breached.click()
    expect(page.get_by_role("heading", name="Primera respuesta · Incumplidos")).to_be_visible()
    expect(page.get_by_text(f"{count} tickets")).to_be_visible()  # as many as the figure said
    snap(page, "reports-tickets")
    with page.expect_download() as download:
        page.goto(f"{demo_site}/reports")
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
