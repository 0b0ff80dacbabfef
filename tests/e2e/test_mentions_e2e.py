"""End to end in Chromium: an agent mentions a colleague in a note, picking her from the
note box's list with the keyboard; the colleague signs in, sees the notice and follows it
to the note."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.users.services import create_user
from tests.e2e.conftest import AGENT_PASSWORD, Site, seed, serve, sign_in
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e

COLLEAGUE_EMAIL = "ana.perez@aclara.mx"
COLLEAGUE_PASSWORD = "contraseña de Ana 2026"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The usual site, with two more agents whose handles both start with "an"."""
    app, folios = seed(tmp_path)
    with app.app_context():
        for email, name, password in [
            (COLLEAGUE_EMAIL, "Ana Pérez", COLLEAGUE_PASSWORD),
            ("andres.ortega@aclara.mx", "Andrés Ortega", "contraseña de Andrés 2026"),
        ]:
            create_user(
                db.session, email=email, name=name, role="agent", password=password,
                locale="es_MX", actor=Actor.system("e2e"), now=clock.now(),
            )
        db.session.commit()
    yield from serve(app, folios)


def test_a_mention_picked_with_the_keyboard_notifies_the_colleague(site: Site, page: Page) -> None:
    folio = site.folios[0]
    page.goto(f"{site.url}/tickets/{folio}")
    sign_in(page, AGENT_PASSWORD)
    page.locator("label.mode-tab", has_text="Nota interna").click()
    box = page.get_by_role("textbox", name="Nota interna")
    box.click()
    box.press_sequentially("Por favor revise el saldo, @an")

    listbox = page.get_by_role("listbox", name="Colegas para mencionar")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    ana = listbox.get_by_role("option", name="Ana Pérez @ana.perez", exact=True)
    expect(ana).to_have_attribute("aria-selected", "true")  # the first is highlighted
    expect(options.nth(1)).to_have_accessible_name("Andrés Ortega @andres.ortega")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(ana).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", ana.get_attribute("id") or "?")
    snap(page, "mentions-composer")
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Por favor revise el saldo, @ana.perez ")
    expect(box).to_be_focused()

    box.press_sequentially("y avíseme. @")  # Esc closes the list, the text stays
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press("Backspace")
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.get_by_role("status").filter(has_text="Nota agregada.")).to_be_visible()
    note = page.locator("article.message-note").last
    expect(note.locator("span.mention")).to_have_text("@ana.perez")
    anchor = note.get_attribute("id")
    page.get_by_role("button", name="Cerrar sesión").click()

    page.get_by_label("Correo electrónico").fill(COLLEAGUE_EMAIL)
    page.get_by_label("Contraseña").fill(COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    link = page.get_by_role("link", name="Notificaciones")
    expect(link).to_contain_text("1")
    link.click()
    notice = page.get_by_role("link", name=f"Lucía Herrera le mencionó en {folio}")
    expect(notice).to_have_text(
        f"Lucía Herrera le mencionó en {folio}: «Por favor revise el saldo, @ana.perez y avíseme.»"
    )
    snap(page, "mentions-notifications")
    notice.click()
    expect(page).to_have_url(f"{site.url}/tickets/{folio}#{anchor}")
    expect(page.locator("article.message-note:target")).to_contain_text("@ana.perez y avíseme.")
    expect(page.locator(".notifications-link .badge")).to_have_count(0)  # following it read it
    snap(page, "mentions-note")

