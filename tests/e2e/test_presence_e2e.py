"""End to end in Chromium, two agents in two browsers on one ticket (issue #14, item 5):
each sees the other, typing shows, and when the debtor writes meanwhile the page says so
and a reply sent on top of it is stopped until the agent sends anyway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.tickets import queries, services
from tests.e2e.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AGENT_EMAIL,
    AGENT_PASSWORD,
    Site,
    seed,
    serve,
)
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Site, object]]:
    """The seeded site and its app (the test adds the debtor's message through it); one
    heartbeat a second so the test does not wait five."""
    app, folios = seed(tmp_path)
    app.config["PRESENCE_POLL_SECONDS"] = 1
    for site in serve(app, folios):
        yield site, app


def _agent(browser: Browser, site: Site, email: str, password: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="es-MX", timezone_id="America/Mexico_City")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{site.url}/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("link", name="Tickets", exact=True)).to_be_visible()
    page.goto(f"{site.url}/tickets/{site.folios[0]}")
    return context, page


def _debtor_writes(app, folio: str, text: str) -> None:
    with app.app_context():
        ticket = queries.ticket_by_folio(db.session, folio)
        services.append_inbound(
            db.session,
            ticket,
            text=text,
            channel="email",
            contact=ticket.contact,
            now=clock.now(),
        )
        db.session.commit()


def test_two_agents_see_each_other_and_a_reply_on_a_new_message_is_stopped(
    live, browser: Browser
) -> None:
    site, app = live
    lucia_context, lucia = _agent(browser, site, AGENT_EMAIL, AGENT_PASSWORD)
    sofia_context, sofia = _agent(browser, site, ADMIN_EMAIL, ADMIN_PASSWORD)
    presence_of = {p: p.locator(".presence-list") for p in (lucia, sofia)}

    expect(presence_of[lucia]).to_have_text("Sofía Méndez también está viendo este caso")
    expect(presence_of[sofia]).to_have_text("Lucía Herrera también está viendo este caso")
    snap(sofia, "presence-viewing")

    sofia.get_by_role("textbox", name="Respuesta").press_sequentially("Buen día, revis")
    expect(presence_of[lucia]).to_have_text("Sofía Méndez está escribiendo una respuesta…")
    snap(lucia, "presence-typing")

    typed = "Con gusto revisamos su cargo del 3 de noviembre."
    lucia.get_by_role("textbox", name="Respuesta").fill(typed)
    lucia.get_by_label("Cc").fill("hermana@correo.mx")
    _debtor_writes(app, site.folios[0], "Ya pagué ayer, les mando el comprobante.")
    arrived = lucia.get_by_text("Llegó un mensaje nuevo: recargue la página para leerlo.")
    expect(arrived).to_be_visible()
    snap(lucia, "presence-new-message")

    # Lucía sends anyway without reading: stopped, nothing lost.
    lucia.get_by_role("button", name="Enviar", exact=True).click()
    expect(
        lucia.get_by_text("Llegó un mensaje nuevo mientras usted escribía.", exact=False)
    ).to_be_visible()
    expect(lucia.get_by_role("textbox", name="Respuesta")).to_have_value(typed)
    expect(lucia.get_by_label("Cc")).to_have_value("hermana@correo.mx")
    expect(lucia.locator(".message-arrived")).to_contain_text("Ya pagué ayer")
    snap(lucia, "reply-stopped")
    lucia.get_by_role("button", name="Enviar de todos modos").click()
    expect(lucia.get_by_text("Respuesta en cola para enviarse.")).to_be_visible()
    expect(lucia.locator(".message-out").last).to_contain_text(typed)

    # Sofía reloads from the notice to read it: her draft comes back.
    sofia.get_by_role("button", name="Recargar y leerlo").click()
    expect(sofia.get_by_text("Ya pagué ayer, les mando el comprobante.")).to_be_visible()
    expect(sofia.get_by_role("textbox", name="Respuesta")).to_have_value("Buen día, revis")
    expect(sofia.locator(".presence-arrived")).to_be_hidden()

    # Lucía closes her tab: Sofía no longer sees her (the goodbye beacon, not the timeout).
    lucia_context.close()
    expect(presence_of[sofia]).to_be_hidden()
    sofia_context.close()
