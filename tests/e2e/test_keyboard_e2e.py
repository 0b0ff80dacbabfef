"""End to end in Chromium: an agent works the inbox from the keyboard (issue #14, item 6)
and reads it in a dark theme (item 7). Set SCREENSHOTS=dir to keep the screens in both
themes at desktop and phone sizes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.e2e import test_inbox_layout_e2e
from tests.e2e.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AGENT_EMAIL,
    AGENT_PASSWORD,
    TICKETS,
    Site,
)
from tests.e2e.test_inbox_layout_e2e import Busy, sign_in_as
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
busy = test_inbox_layout_e2e.busy  # the fixture: a full inbox and a dispute holding an account
ROWS = "table.tickets tbody tr"
BODY_BACKGROUND = "getComputedStyle(document.body).backgroundColor"


@pytest.fixture
def dark_page(browser: Browser) -> Iterator[Page]:
    """A browser whose system asks for dark colours."""
    context = browser.new_context(
        locale="es-MX", timezone_id="America/Mexico_City", color_scheme="dark"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def signed_in(page: Page, site: Site) -> None:
    sign_in_as(page, site.url, AGENT_EMAIL, AGENT_PASSWORD)
    expect(page.locator(ROWS).first).to_be_visible()


def brightness(css_colour: str) -> float:
    """0 (black) to 255 (white), from an rgb()/rgba() computed value."""
    red, green, blue = (int(n) for n in re.findall(r"\d+", css_colour)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_j_and_k_move_through_the_list_and_enter_opens_the_ticket(site: Site, page: Page) -> None:
    signed_in(page, site)
    rows = page.locator(ROWS)
    second = rows.nth(1).get_attribute("data-href")
    assert second and second.startswith("/tickets/")

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(1)).to_be_focused()
    snap(page, "keyboard-list-current")

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}{second}")

    page.go_back()  # the list remembers where the agent was
    page.wait_for_load_state()
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bis-current\b"))

    # x ticks the row's checkbox for the bulk actions (the list's contract: input[name=ticket])
    page.keyboard.press("x")
    expect(rows.nth(0).locator("input[name=ticket]")).to_be_checked()
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))  # the bulk bar heard it
    expect(rows.nth(1).locator("input[name=ticket]")).not_to_be_checked()
    page.keyboard.press("x")
    expect(rows.nth(0).locator("input[name=ticket]")).not_to_be_checked()
    first = rows.nth(0).get_attribute("data-href")
    page.keyboard.press("o")
    expect(page).to_have_url(f"{site.url}{first}")


def test_letters_typed_in_a_field_are_only_text(site: Site, page: Page) -> None:
    signed_in(page, site)
    search = page.get_by_role("searchbox", name="Buscar tickets")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("jjk")
    expect(search).to_have_value("jjk")
    expect(page.locator(f"{ROWS}.is-current")).to_have_count(0)

    page.goto(f"{site.url}/tickets/{site.folios[2]}")
    page.keyboard.press("r")
    reply = page.get_by_role("textbox", name="Respuesta")
    expect(reply).to_be_focused()
    expect(reply).to_have_value("")  # the "r" itself is not typed
    page.keyboard.type("jane")  # j, a (assign), n (note) and e (resolve) are letters here
    expect(reply).to_have_value("jane")
    expect(page).to_have_url(f"{site.url}/tickets/{site.folios[2]}")
    expect(page.locator(".ticket-head .meta").first).to_contain_text("Sin asignar")
    expect(page.locator(".ticket-head .badge")).to_have_text("Nuevo")

    # Out of the box, "e" would resolve and reload the page: the draft is not lost unasked.
    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    reply.blur()
    page.keyboard.press("e")
    expect(reply).to_be_focused()
    assert questions == ["Su respuesta o nota no se ha enviado. ¿Descartarla y continuar?"]
    expect(reply).to_have_value("jane")
    expect(page.locator(".ticket-head .badge")).to_have_text("Nuevo")


def test_question_mark_lists_the_shortcuts_and_escape_closes_the_list(
    site: Site, page: Page
) -> None:
    signed_in(page, site)
    page.keyboard.press("j")
    current = page.locator(f"{ROWS}.is-current")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Atajos de teclado")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ticket siguiente / anterior")
    expect(dialog).to_contain_text("Asignármelo")
    page.keyboard.press("j")  # the list behind the dialog does not move
    expect(page.locator(ROWS).nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    snap(page, "keyboard-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(current).to_be_focused()  # focus goes back where it was

    page.get_by_role("button", name="Atajos de teclado").click()  # and with the mouse
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cerrar").click()
    expect(dialog).to_be_hidden()

    page.goto(f"{site.url}/tickets/{site.folios[0]}")
    page.keyboard.press("g")
    page.keyboard.press("i")  # "go to the inbox"
    expect(page).to_have_url(re.compile(r"/tickets$"))


def test_an_agent_takes_notes_on_and_resolves_a_ticket_from_the_keyboard(
    site: Site, page: Page
) -> None:
    signed_in(page, site)
    folio = site.folios[1]  # a payment plan: nothing to decide when resolving
    page.goto(f"{site.url}/tickets/{folio}")

    page.keyboard.press("a")
    expect(page.locator("p.flash")).to_have_text(f"Ticket {folio} asignado a usted.")
    expect(page.locator(".ticket-head .meta").first).to_contain_text("Lucía Herrera")
    page.wait_for_load_state()

    page.keyboard.press("n")
    note_box = page.get_by_role("textbox", name="Nota interna")
    expect(note_box).to_be_focused()
    note = "Pidió el convenio a seis meses; esperar su propuesta por escrito."
    page.keyboard.type(note)
    page.keyboard.press("Control+Enter")
    expect(page.locator("p.flash")).to_have_text("Nota agregada.")
    expect(page.locator("article.message-note")).to_contain_text(note)
    page.wait_for_load_state()

    page.keyboard.press("e")
    expect(page.locator("p.flash")).to_have_text("Estado actualizado.")
    expect(page.locator(".ticket-head .badge")).to_have_text("Resuelto")

    page.wait_for_load_state()  # the shortcuts script is deferred: listening after "load"
    page.keyboard.press("Escape")  # back to the list
    expect(page).to_have_url(re.compile(r"/tickets$"))
    expect(page.locator(ROWS).first).to_be_visible()


def test_resolving_a_dispute_asks_for_its_outcome_instead(busy: Busy, page: Page) -> None:
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets/{busy.dispute}")
    page.keyboard.press("e")
    outcome = page.locator(".status-card").get_by_label("Resultado de la disputa")
    expect(outcome).to_be_focused()
    snap(page, "keyboard-resolve-asks-outcome")
    expect(page.locator(".status-card").get_by_label("Estado")).to_have_value("resolved")
    expect(page.locator(".ticket-head .badge")).to_have_text("Abierto")  # nothing sent yet
    outcome.select_option("partial")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator(".ticket-head .badge")).to_have_text("Resuelto")


def test_the_dark_theme_follows_the_system_and_the_agent_can_choose_light(
    site: Site, dark_page: Page
) -> None:
    page = dark_page
    signed_in(page, site)
    assert brightness(page.evaluate(BODY_BACKGROUND)) < 40
    ink = page.evaluate("getComputedStyle(document.querySelector('td.debtor')).color")
    assert brightness(ink) > 180  # light text on the dark background
    snap(page, "theme-dark-list")
    page.get_by_role("link", name=TICKETS[0][1]).click()
    expect(page.get_by_role("heading", name=TICKETS[0][1])).to_be_visible()
    snap(page, "theme-dark-ticket")
    page.keyboard.press("?")
    snap(page, "theme-dark-dialog")
    page.keyboard.press("Escape")

    choice = page.get_by_label("Tema")
    expect(choice).to_have_value("system")
    choice.select_option("light")
    assert brightness(page.evaluate(BODY_BACKGROUND)) > 230
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.get_by_label("Tema")).to_have_value("light")
    assert brightness(page.evaluate(BODY_BACKGROUND)) > 230

    page.get_by_label("Tema").select_option("system")
    assert brightness(page.evaluate(BODY_BACKGROUND)) < 40
    page.get_by_label("Tema").select_option("dark")
    page.goto(f"{site.url}/portal/login")  # the debtors' portal stays light
    assert brightness(page.evaluate(BODY_BACKGROUND)) > 230


def test_screens_in_the_light_theme(site: Site, page: Page) -> None:
    signed_in(page, site)
    snap(page, "theme-light-list")
    page.goto(f"{site.url}/tickets/{site.folios[0]}")
    snap(page, "theme-light-ticket")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    snap(page, "theme-light-dialog")


# Every text element's colour against the background it is painted on (the nearest
# ancestor with an opaque background), as WCAG computes the ratio; hidden text is skipped.
UNREADABLE_TEXT = """() => {
  const parse = c => {
    const m = c.match(/[\\d.]+/g);
    return m ? {r: +m[0], g: +m[1], b: +m[2], a: m.length > 3 ? +m[3] : 1} : null;
  };
  const channel = v => (v /= 255) <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  const lum = c => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [high, low] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (high + 0.05) / (low + 0.05);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const bad = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || el.closest("svg, dialog:not([open]), option, script, style, :disabled")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || !el.getClientRects().length) continue;
    const value = ratio(parse(style.color), background(el));
    const where = `${el.tagName.toLowerCase()}.${el.className}`;
    if (value < 4.5) bad.add(`${where} "${text.slice(0, 40)}" ${value.toFixed(2)}`);
  }
  return [...bad];
}"""


# Controls a screen reader could not name: no <label>, aria-label(ledby), title or text.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button, summary, a[href]")]
  .filter(el => el.getClientRects().length && !el.closest("[hidden]"))
  .filter(el => !((el.labels && el.labels.length) || el.getAttribute("aria-label")
    || el.getAttribute("aria-labelledby") || el.title || el.textContent.trim()
    || (el.type === "submit" && el.value) || el.querySelector("img[alt]")))
  .map(el => el.outerHTML.slice(0, 120))"""


def staff_screens(busy: Busy, page: Page) -> list[str]:
    account = page.evaluate(
        "() => (document.querySelector('a[href^=\"/accounts/\"]') || {}).pathname || null"
    )
    screens = [
        "/tickets",
        "/tickets?sort=deadline",
        f"/tickets/{busy.dispute}",
        "/reports",
        "/canned",
        "/notifications",
        "/team",
        f"/search?q={busy.dispute}",
        "/account/security",
        *busy.admin_pages,
    ]
    return screens + ([account] if account else [])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_staff_screen_is_readable_in_both_themes(
    busy: Busy, browser: Browser, theme: str
) -> None:
    context = browser.new_context(locale="es-MX", color_scheme=theme)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_as(page, busy.site.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{busy.site.url}/tickets/{busy.dispute}")
    unreadable, unlabelled = {}, {}
    for path in staff_screens(busy, page):
        response = page.goto(f"{busy.site.url}{path}")
        assert response is not None and response.status == 200, path
        found = page.evaluate(UNREADABLE_TEXT)
        if found:
            unreadable[path] = found
        if nameless := page.evaluate(UNLABELLED_CONTROLS):
            unlabelled[path] = nameless
        if path in {"/reports", "/canned", "/team", "/admin/users"} or path.startswith(
            ("/accounts", "/tickets/")
        ):
            snap(page, f"theme-{theme}-{path.strip('/').replace('/', '-')}")
    context.close()
    assert unreadable == {}
    assert unlabelled == {}
