"""End to end in Chromium: an agent resolves a ticket, the rating email reaches a real
SMTP server (aiosmtpd on loopback), the debtor opens its link on a 390×844 phone,
confirms with a comment, and the rating shows on the staff ticket page (issue #17:
"resolve it as an agent and rate it from the email link")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

from tests.channels.email.test_smtp import Inbox, free_port
from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD, seed, serve
from tests.e2e.test_inbox_layout_e2e import sign_in_as
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def mail_site(tmp_path: Path) -> Iterator[tuple[str, Inbox, list[str]]]:
    app, folios = seed(tmp_path)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        SMTP_URL=f"smtp+plain://127.0.0.1:{port}", MAIL_FROM="aclaraciones@banco-demo.mx"
    )
    try:
        for site in serve(app, folios):
            yield site.url, inbox, site.folios
    finally:
        controller.stop()


def test_a_debtor_rates_a_resolved_case_from_the_email_on_a_phone(
    mail_site, page: Page, browser: Browser
) -> None:
    url, inbox, folios = mail_site
    folio = folios[1]  # the payment-plan request of deudor2@correo.mx
    sign_in_as(page, url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{url}/tickets/{folio}")
    page.locator("form.status-form select").select_option("resolved")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator(".status-card select")).to_have_value("resolved")

    (mail,) = [m for m in inbox.messages if folio in str(m["Subject"])]
    assert mail["To"].addresses[0].addr_spec == "deudor2@correo.mx"
    assert str(mail["Subject"]) == f"¿Cómo le atendimos en el caso {folio}?"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    links = dict(
        (int(score), link)
        for link, score in re.findall(r"(http://127\.0\.0\.1:\d+/valorar/[^/\s]+/(\d))", text)
    )
    assert sorted(links) == [1, 2, 3, 4, 5]

    context = browser.new_context(
        locale="es-MX", timezone_id="America/Mexico_City", viewport=PHONE,
        is_mobile=True, has_touch=True,
    )  # fmt: skip
    phone = context.new_page()
    phone.goto(links[4])
    expect(
        phone.get_by_role("heading", name="¿Cómo calificaría la atención que recibió?")
    ).to_be_visible()
    expect(phone.locator('input[data-score="4"]')).to_be_checked()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    snap(phone, "rating-page")
    phone.set_viewport_size(PHONE)
    phone.get_by_label("Comentario (opcional)").fill("Me explicaron el convenio con paciencia.")
    phone.get_by_role("button", name="Enviar mi calificación").click()
    expect(phone.get_by_role("heading", name="Gracias por su calificación")).to_be_visible()
    expect(phone.locator(".score-badge")).to_have_text("4")
    snap(phone, "rating-thanks")

    phone.set_viewport_size(PHONE)
    phone.goto(links[1])  # a second click, another score: the saved rating, not a new one
    expect(phone.get_by_role("heading", name="Usted ya calificó este caso")).to_be_visible()
    expect(phone.locator(".score-badge")).to_have_text("4")
    context.close()

    page.reload()
    card = page.locator("[data-ratings]")
    expect(card).to_contain_text("4 de 5")
    expect(card).to_contain_text("Me explicaron el convenio con paciencia.")
    card.scroll_into_view_if_needed()
    snap(page, "rating-staff-ticket")
