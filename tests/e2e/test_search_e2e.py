"""End to end in Chromium: an agent presses "/", types a word without its accent and
opens the ticket that has it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AGENT_PASSWORD, Site, sign_in
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


def test_slash_search_an_unaccented_word_and_open_the_hit(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/login")
    sign_in(page, AGENT_PASSWORD)
    page.locator("body").press("/")
    box = page.get_by_role("searchbox", name="Buscar tickets")
    expect(box).to_be_focused()
    box.fill("aclaracion")  # the ticket says "Aclaración"
    box.press("Enter")
    expect(page.get_by_text("1 ticket encontrado")).to_be_visible()
    snap(page, "search-results")
    page.get_by_role("link", name="Aclaración de cargo no reconocido").click()
    expect(page).to_have_url(f"{site.url}/tickets/{site.folios[0]}")
