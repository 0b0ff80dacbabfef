"""End to end in Chromium: the ticket page's one timeline (an event between messages),
the plain-events switch, tags added and removed in place, and a second ticket of the same
debtor merged into this one after the confirmation page (issue #14, item 4). Set
SCREENSHOTS=dir to keep the page at desktop and phone sizes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpdesk import clock
from helpdesk.app import create_app
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import IncomingFile, add_note, open_ticket, set_priority
from helpdesk.users.models import User
from tests.conftest import app_config
from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD
from tests.e2e.test_inbox_layout_e2e import DESKTOP, PHONE, Busy, busy, fits, sign_in_as
from tests.e2e.test_two_factor_e2e import snap

__all__ = ["busy"]  # the fixture, imported to be used here
pytestmark = pytest.mark.e2e
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@dataclass
class Pair:
    busy: Busy
    twin: str  # another ticket of the dispute's debtor


@pytest.fixture
def pair(busy: Busy, tmp_path: Path) -> Iterator[Pair]:
    """The busy inbox, plus: the dispute's first email in HTML with its quote, a priority
    change and a note with an image and a PDF after the reply, and a second ticket of the
    same debtor (written through a second app on the same SQLite file)."""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'e2e.sqlite3'}", tmp_path))
    with app.app_context():
        now = clock.now()
        agent = db.session.scalar(select(User).where(User.email == AGENT_EMAIL))
        ticket = db.session.scalar(select(Ticket).where(Ticket.folio == busy.dispute))
        first = ticket.messages[0]
        first.new_text = "Buenas tardes. Reviso mi estado de cuenta y no reconozco un cargo."
        first.html = (
            "<p>Buenas tardes. Reviso mi estado de cuenta y <b>no reconozco</b> un cargo.</p>"
            "<div>El lun, 23 nov 2026 a las 10:00, Aclaraciones escribió:<blockquote>"
            "<p>¿Nos confirma el monto del cargo?</p></blockquote></div>"
        )
        later = now + timedelta(hours=2)
        set_priority(db.session, ticket, "high", actor=Actor.for_user(agent), now=later)
        add_note(
            db.session,
            ticket,
            author=agent,
            text="Adjunto la captura y el voucher.",
            files=[
                IncomingFile("captura.png", "image/png", PNG),
                IncomingFile("voucher.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"),
            ],
            attachments=storage.root_for(app.config["DATA_DIR"]),
            now=later + timedelta(minutes=5),
        )
        twin = open_ticket(
            db.session,
            contact=ticket.contact,
            queue=ticket.queue,
            subject="Segundo correo sobre el mismo cargo",
            text="Les escribo de nuevo por el cargo de la tarjeta 4821.",
            type="dispute",
            channel="email",
            actor=Actor.for_contact(ticket.contact),
            folio_prefix=app.config["FOLIO_PREFIX"],
            now=now + timedelta(minutes=30),
        )
        db.session.commit()
        folio = twin.folio
        db.engine.dispose()
    yield Pair(busy=busy, twin=folio)


def test_the_ticket_page_tells_one_story(pair: Pair, page: Page) -> None:
    site, dispute = pair.busy.site, pair.busy.dispute
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{site.url}/tickets/{dispute}")

    # An event row sits between two messages: the priority change after the reply.
    entries = page.locator("ol.thread > li")
    kinds = entries.evaluate_all("items => items.map(li => li.className)")
    texts = entries.all_inner_texts()
    at = next(i for i, t in enumerate(texts) if "cambió la prioridad" in t)
    assert kinds[at].startswith("event")
    assert "thread-message" in kinds[:at] and kinds[at + 1] == "thread-message"
    assert "Adjunto la captura" in texts[at + 1]
    # The HTML email is shown, its quote folded; the image has a thumbnail, the PDF a preview.
    first = page.locator("article.message-in").first
    expect(first.locator(".html-body b")).to_have_text("no reconozco")
    expect(first.get_by_text("¿Nos confirma el monto del cargo?")).to_be_hidden()
    note = page.locator("article.message-note").filter(has_text="Adjunto la captura")
    expect(note.locator(".thumb img")).to_be_visible()
    assert note.locator(".thumb img").evaluate("img => img.naturalWidth") == 1
    expect(note.get_by_role("link", name="Vista previa")).to_have_attribute("target", "_blank")
    # The debtor's other ticket is listed beside the conversation.
    expect(page.locator(".debtor-tickets")).to_contain_text(pair.twin)
    snap(page, "ticket-page")

    # Only messages, and back.
    page.get_by_role("switch", name="Mostrar eventos").click()
    expect(page.locator("ol.thread > li.event")).to_have_count(0)
    page.get_by_role("switch", name="Mostrar eventos").click()
    expect(page.locator("ol.thread > li.event").first).to_be_visible()

    # A tag added (a new word), then removed with its ×.
    page.get_by_label("Agregar una etiqueta").fill("Voucher Pedido")
    page.get_by_role("button", name="Agregar", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="Etiqueta voucher-pedido agregada.")
    ).to_be_visible()
    expect(page.locator(".tag-list")).to_contain_text("voucher-pedido")
    snap(page, "ticket-page-tagged")
    page.get_by_role("button", name="Quitar la etiqueta voucher-pedido").click()
    expect(
        page.get_by_role("status").filter(has_text="Etiqueta voucher-pedido quitada.")
    ).to_be_visible()
    expect(page.locator(".tag-list")).not_to_contain_text("voucher-pedido")
    expect(page.locator("ol.thread")).to_contain_text("quitó la etiqueta voucher-pedido")

    # The second ticket of the debtor merged into this one, after the confirmation.
    page.goto(f"{site.url}/tickets/{pair.twin}")
    page.get_by_label("Fusionar en el folio").fill(dispute)
    page.get_by_role("button", name="Fusionar…").click()
    expect(page.get_by_role("heading", name=f"¿Fusionar {pair.twin} en {dispute}?")).to_be_visible()
    snap(page, "ticket-merge-confirm")
    page.get_by_role("button", name="Sí, fusionar").click()
    expect(page).to_have_url(f"{site.url}/tickets/{dispute}")
    expect(page.locator(".flash-success")).to_have_text(f"{pair.twin} se fusionó en este ticket.")
    expect(page.locator("ol.thread")).to_contain_text("Les escribo de nuevo por el cargo")
    page.goto(f"{site.url}/tickets/{pair.twin}")
    expect(page.locator(".merged-notice")).to_contain_text(f"Fusionado en {dispute}")
    page.locator(".merged-notice").get_by_role("link", name=dispute).click()
    expect(page).to_have_url(f"{site.url}/tickets/{dispute}")

    page.set_viewport_size(PHONE)
    assert fits(page)
