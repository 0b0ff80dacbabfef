"""End to end in Chromium: an agent answers a debtor's WhatsApp message from the ticket
page; the reply reaches the Graph stand-in, and WhatsApp's delivery statuses show on the
bubble as ticks (issue #14: "reply on WhatsApp to the Graph stand-in")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.tickets.models import Message, Ticket
from tests.channels.whatsapp import graph as graph_server
from tests.channels.whatsapp.conftest import APP_SECRET, PHONE_NUMBER_ID, payload, text_message
from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD, Site, seed, serve
from tests.e2e.test_inbox_layout_e2e import sign_in_as
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e


@pytest.fixture
def whatsapp_site(tmp_path: Path) -> Iterator[tuple[Site, graph_server.Graph, str, object]]:
    app, folios = seed(tmp_path)
    graph, server = graph_server.start()
    app.config.update(
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_TOKEN=graph_server.TOKEN,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN="verificacion-aclara",
        WHATSAPP_GRAPH_URL=graph.base_url,
    )
    sent_at = int(clock.now().timestamp()) - 120
    webhook(
        app,
        payload(
            messages=[text_message("wamid.IN1", "Ya pagué, ¿por qué me siguen cobrando?", sent_at)]
        ),
    )
    with app.app_context():
        folio = db.session.scalar(select(Ticket.folio).where(Ticket.channel == "whatsapp"))
    graph.requests.clear()  # only what the agent sends counts from here
    try:
        for site in serve(app, folios):
            yield site, graph, folio, app
    finally:
        server.shutdown()
        server.server_close()


def webhook(app, body: bytes) -> None:
    """What Meta does: a signed POST to the webhook (jobs run inline in this app)."""
    from helpdesk.channels.whatsapp.signature import sign

    response = app.test_client().post(
        "/webhooks/whatsapp",
        data=body,
        headers={
            "X-Hub-Signature-256": sign(body, APP_SECRET.encode()),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.data[:300]


def test_an_agent_replies_on_whatsapp_and_sees_it_read(whatsapp_site, page: Page) -> None:
    site, graph, folio, app = whatsapp_site
    sign_in_as(page, site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{site.url}/tickets/{folio}")
    expect(
        page.locator("article.message-in").filter(has_text="Ya pagué, ¿por qué me siguen cobrando?")
    ).to_be_visible()

    page.get_by_label("Mensaje", exact=True).fill("Con gusto revisamos su pago de noviembre.")
    page.get_by_role("button", name="Enviar por WhatsApp").click()
    reply = page.locator("article.message-out.channel-whatsapp").filter(
        has_text="Con gusto revisamos su pago de noviembre."
    )
    expect(reply).to_be_visible()
    (sent,) = graph.sent()
    assert sent["type"] == "text" and sent["to"].endswith("5512345678")
    assert sent["text"]["body"] == "Con gusto revisamos su pago de noviembre."
    expect(reply.locator(".badge.delivery-sent")).to_contain_text("✓")

    with app.app_context():
        wamid = db.session.scalar(
            select(Message.external_id).where(
                Message.text == "Con gusto revisamos su pago de noviembre."
            )
        )
    now = int(clock.now().timestamp())
    for status, at in (("delivered", now), ("read", now + 30)):
        webhook(
            app,
            payload(
                statuses=[
                    {
                        "id": wamid,
                        "status": status,
                        "timestamp": str(at),
                        "recipient_id": "5215512345678",
                    }
                ]
            ),
        )
    page.reload()
    expect(reply.locator(".badge.delivery-read")).to_contain_text("✓✓")
    expect(reply.locator(".badge.delivery-read")).to_contain_text("Leído")
    snap(page, "whatsapp-ticket")
