"""End to end in Chromium: an agent saves an answer, then on a ticket filters the saved
answers, presses Enter, and the answer lands in the reply with the ticket's facts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AGENT_PASSWORD, Site, sign_in
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


def test_insert_a_saved_answer_with_its_variables_filled(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/login")
    sign_in(page, AGENT_PASSWORD)
    page.goto(f"{site.url}/canned")
    page.get_by_label("Título").fill("Acuse de aclaración")
    page.get_by_label("Texto").fill(
        "Estimado(a) {debtor_name}: recibimos su aclaración con folio {folio}."
    )
    page.get_by_role("button", name="Guardar respuesta").click()
    expect(page.get_by_text("Respuesta guardada.")).to_be_visible()
    snap(page, "canned-list")

    page.goto(f"{site.url}/tickets/{site.folios[0]}")
    reply = page.get_by_role("textbox", name="Respuesta")
    reply.fill("Buen día. ")
    page.get_by_text("Respuestas guardadas", exact=True).click()
    box = page.get_by_role("searchbox", name="Filtrar respuestas guardadas")
    expect(box).to_be_focused()
    box.fill("aclaracion")  # without its accent
    snap(page, "canned-picker")
    box.press("Enter")
    expect(reply).to_have_value(
        f"Buen día. Estimado(a) Deudor Núñez 1: recibimos su aclaración con folio {site.folios[0]}."
    )
    expect(reply).to_be_focused()
