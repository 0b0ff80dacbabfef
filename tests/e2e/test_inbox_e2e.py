"""End to end: an agent works the inbox in Spanish in Chromium (fixtures in conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AGENT_PASSWORD, TICKETS, Site, sign_in
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


def test_an_agent_works_a_ticket_in_spanish(site: Site, page: Page, tmp_path: Path) -> None:
    page.goto(f"{site.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()

    sign_in(page, "no es la contraseña")
    expect(page.get_by_text("Correo o contraseña incorrectos.")).to_be_visible()

    sign_in(page, AGENT_PASSWORD)
    expect(page.get_by_role("heading", name="Todos")).to_be_visible()
    rows = page.locator("table.tickets tbody")
    for folio, (_type, subject, _text) in zip(site.folios, TICKETS, strict=True):
        expect(rows).to_contain_text(folio)
        expect(rows).to_contain_text(subject)

    _type, subject, text = TICKETS[2]
    page.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible()
    conversation = page.get_by_role("region", name="Conversación")
    expect(conversation).to_contain_text(text)
    expect(page.get_by_role("button", name="Enviar y resolver")).to_be_visible()
    snap(page, "ticket-composer")

    note = "Llamé al deudor; pide la grabación de la llamada del 14/11."
    page.locator("label.mode-tab", has_text="Nota interna").click()  # the composer's note mode
    page.get_by_role("textbox", name="Nota interna").fill(note)
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.get_by_role("status").filter(has_text="Nota agregada.")).to_be_visible()
    expect(conversation).to_contain_text(note)

    page.get_by_label("Estado").select_option(label="En espera del deudor")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator(".ticket-head .badge")).to_have_text("En espera del deudor")
    page.screenshot(path=tmp_path / "ticket.png", full_page=True)

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()


def test_a_deep_link_survives_the_sign_in(site: Site, page: Page) -> None:
    folio = site.folios[0]
    page.goto(f"{site.url}/tickets/{folio}")
    expect(page).to_have_url(f"{site.url}/login?next=%2Ftickets%2F{folio}")

    sign_in(page, AGENT_PASSWORD)

    expect(page).to_have_url(f"{site.url}/tickets/{folio}")
    expect(page.get_by_role("heading", name=TICKETS[0][1])).to_be_visible()


def test_an_agent_downloads_the_debtors_acuse(site: Site, page: Page) -> None:
    from tests.receipts.conftest import pdf_text

    folio = site.folios[0]
    page.goto(f"{site.url}/tickets/{folio}")
    sign_in(page, AGENT_PASSWORD)
    link = page.get_by_role("link", name="Acuse de recibo (PDF)")
    expect(link).to_be_visible()
    snap(page, "ticket-acuse-link")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"acuse-{folio}.pdf"
    assert folio in pdf_text(Path(download.value.path()).read_bytes())
