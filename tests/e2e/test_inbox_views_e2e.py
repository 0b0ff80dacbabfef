"""End to end in Chromium: the list's views, filters, saved views and bulk actions as an
agent uses them (issue #14, items 2 and 3). SCREENSHOTS=dir keeps each screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD
from tests.e2e.test_inbox_layout_e2e import DESKTOP, PHONE, Busy, busy, fits, sign_in_as
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
__all__ = ["busy"]  # the fixture, shared with the layout tests


def rail_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Vistas").get_by_role(
        "link", name=re.compile(rf"^{re.escape(name)}\b")
    )


def test_a_view_a_filter_a_saved_view_and_a_bulk_assignment(busy: Busy, page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets")
    snap(page, "inbox-views")

    rail_link(page, "Sin asignar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sin asignar")
    shown = page.locator("table.tickets tbody tr").count()
    count = page.locator("h1 .title-count").inner_text()
    assert count == str(shown) or count.endswith("+")

    # A filter from the panel becomes a chip, and the chip set can be saved as a view.
    page.get_by_text("Filtros", exact=True).click()
    page.get_by_label("Tipo").select_option(label="Información")
    page.get_by_role("button", name="Aplicar filtros").click()
    expect(page.get_by_role("list", name="Filtros aplicados")).to_contain_text("Tipo: Información")
    snap(page, "inbox-filters")
    page.get_by_label("Nombre de la vista").fill("Estados de cuenta")
    page.get_by_role("button", name="Guardar vista").click()
    expect(
        page.get_by_role("status").filter(has_text="Vista «Estados de cuenta» guardada.")
    ).to_be_visible()
    expect(rail_link(page, "Estados de cuenta")).to_have_attribute("aria-current", "page")

    # Three tickets ticked and assigned to me in one action.
    rows = page.locator("table.tickets tbody tr")
    folios = [rows.nth(i).locator("td.folio").inner_text() for i in range(3)]
    for i in range(3):
        rows.nth(i).get_by_role("checkbox").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 seleccionados")
    page.get_by_label("Acción", exact=True).select_option(label="Mí")
    snap(page, "inbox-bulk")
    page.get_by_role("button", name="Aplicar", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="3 tickets actualizados.")).to_be_visible()

    rail_link(page, "Mis tickets").click()
    mine = page.locator("table.tickets tbody td.folio").all_inner_texts()
    assert set(folios) <= set(mine)

    page.set_viewport_size(PHONE)
    assert fits(page)


def test_resolving_in_bulk_asks_first(busy: Busy, page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets?view=unassigned&type=information")
    first = page.locator("table.tickets tbody tr").first
    folio = first.locator("td.folio").inner_text()
    first.get_by_role("checkbox").check()
    page.get_by_label("Acción", exact=True).select_option(label="Resuelto")
    page.get_by_role("button", name="Aplicar", exact=True).click()
    expect(page.get_by_role("heading", name="¿Cambiar 1 ticket a «Resuelto»?")).to_be_visible()
    expect(page.get_by_text(folio)).to_be_visible()
    snap(page, "inbox-bulk-confirm")
    page.get_by_role("button", name="Sí, hacerlo").click()
    expect(page.get_by_role("status").filter(has_text="1 ticket actualizado.")).to_be_visible()
    expect(page.locator("table.tickets td.folio", has_text=folio)).to_have_count(0)
