"""End to end in Chromium: an agent answers a debtor's email from the ticket page and the
reply reaches a real SMTP server (aiosmtpd on loopback) threaded under the debtor's mail,
with the folio in the subject (issue #14: "reply by email and see it reach the test SMTP
server with the right threading headers")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from helpdesk import clock
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.extensions import db
from tests.channels.email.mail import raw_email
from tests.channels.email.test_smtp import Inbox, free_port
from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD, seed, serve
from tests.e2e.test_inbox_layout_e2e import sign_in_as
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
DEBTOR_MESSAGE_ID = "aclaracion-4821@correo.mx"


@pytest.fixture
def mail_site(tmp_path: Path) -> Iterator[tuple[str, Inbox, str]]:
    app, folios = seed(tmp_path)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        SMTP_URL=f"smtp+plain://127.0.0.1:{port}", MAIL_FROM="aclaraciones@banco-demo.mx"
    )
    with app.app_context():
        result = ingest_raw(
            db.session,
            raw_email(message_id=DEBTOR_MESSAGE_ID),
            source="e2e",
            settings=EmailSettings.from_config(app.config),
            now=clock.now(),
        )
        db.session.commit()
        inbox.messages.clear()  # the acknowledgement went out; only the reply counts
    try:
        for site in serve(app, folios):
            yield site.url, inbox, result.folio
    finally:
        controller.stop()


def test_an_emailed_reply_reaches_the_debtor_threaded(mail_site, page: Page) -> None:
    url, inbox, folio = mail_site
    sign_in_as(page, url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{url}/tickets/{folio}")
    page.get_by_placeholder("Escriba su respuesta al deudor…").fill(
        "Buenas tardes, ya solicitamos el voucher al banco; le escribimos en cuanto llegue."
    )
    snap(page, "email-reply-composer")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(
        page.locator("article.message-out").filter(has_text="ya solicitamos el voucher")
    ).to_be_visible()

    (sent,) = inbox.messages
    assert sent["To"].addresses[0].addr_spec == "guadalupe.nunez@correo.mx"
    assert folio in sent["Subject"]
    assert sent["In-Reply-To"] == f"<{DEBTOR_MESSAGE_ID}>"
    assert f"<{DEBTOR_MESSAGE_ID}>" in sent["References"]
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert "ya solicitamos el voucher al banco" in body
    assert "No reconozco el cargo" in body  # the debtor's message quoted below
