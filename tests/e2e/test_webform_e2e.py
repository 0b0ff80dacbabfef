"""End to end, on a phone, without signing in: the public web form /contacto refuses a form
with only a name (text kept), asks to send again when sent too quickly, then gives the
folio and the acuse, whose text is read back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from tests.conftest import app_config, migrate_to_head
from tests.e2e.conftest import SPANISH_CATALOG, serve_app
from tests.e2e.test_two_factor_e2e import snap
from tests.receipts.conftest import pdf_text

pytestmark = pytest.mark.e2e

DEBTOR_EMAIL = "rosa.quintero@correo.mx"
ACCOUNT_NUMBER = "MX-551020"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    if not SPANISH_CATALOG.exists():
        pytest.fail("the catalogs are not compiled: run `make translations`")
    url = f"sqlite:///{tmp_path / 'webform-e2e.sqlite3'}"
    app = create_app(
        app_config(
            url, tmp_path, WTF_CSRF_ENABLED=True,
            WEBFORM_ALLOWED_ORIGINS="https://www.bancodemo.example",
        )
    )
    migrate_to_head(app)
    with app.app_context():
        now = clock.now()
        contact = create_contact(
            db.session, name="Rosa Quintero", email=DEBTOR_EMAIL, actor=Actor.system("e2e"),
            now=now,
        )  # fmt: skip
        db.session.add(
            CollectionAccount(
                number=ACCOUNT_NUMBER, creditor="Banco Demo", portfolio="Tarjetas",
                contact=contact, balance=Decimal("8300.00"), currency="MXN", days_past_due=30,
                created_at=now, updated_at=now,
            )
        )
        db.session.commit()
    yield from serve_app(app)


def test_someone_writes_from_the_web_form_and_gets_the_folio_and_the_acuse(
    site: str, phone: Page
) -> None:
    response = phone.goto(f"{site}/contacto")
    assert response is not None
    assert "frame-ancestors 'self' https://www.bancodemo.example" in response.headers[
        "content-security-policy"
    ]
    expect(phone.get_by_role("heading", name="Escríbanos")).to_be_visible()
    expect(phone.get_by_role("link", name="Entre con su correo")).to_be_visible()
    # The honeypot is out of sight and out of the tab order.
    trap = phone.locator("#website")
    assert not trap.is_visible() or trap.bounding_box()["x"] < 0
    assert trap.get_attribute("tabindex") == "-1"
    snap(phone, "webform-form")

    phone.get_by_label("Su nombre").fill("Rosa Quintero")
    phone.get_by_role("button", name="Enviar").click()
    expect(phone.get_by_text("Denos un correo electrónico o un teléfono")).to_be_visible()
    expect(phone.get_by_text("Escriba su mensaje.")).to_be_visible()
    expect(phone.get_by_label("Su nombre")).to_have_value("Rosa Quintero")
    snap(phone, "webform-errors")

    phone.get_by_label("Correo electrónico").fill(DEBTOR_EMAIL)
    phone.get_by_label("Teléfono o WhatsApp").fill("55 1234 5678")
    phone.get_by_label("Número de cuenta (opcional)").fill(ACCOUNT_NUMBER)
    phone.get_by_label("¿De qué se trata?").select_option("dispute")
    phone.get_by_label("Cuéntenos qué pasó").fill("El cargo del 3 de octubre no es mío.")
    phone.get_by_role("button", name="Enviar").click()
    # The test's clock stands still: to the form, that was no time at all.
    expect(phone.get_by_text("Eso fue muy rápido")).to_be_visible()
    expect(phone.get_by_label("Cuéntenos qué pasó")).to_have_value(
        "El cargo del 3 de octubre no es mío."
    )

    with clock.freeze(clock.now() + timedelta(seconds=45)):
        phone.get_by_role("button", name="Enviar").click()
        folio = phone.locator("[data-folio]")
        expect(folio).to_have_text(re.compile(r"^ACL-\d{4}-\d{6}$"))
        shown = folio.inner_text()
        mailed = phone.get_by_text("También le enviamos el acuse de recibo a su correo.")
        expect(mailed).to_be_visible()
        snap(phone, "webform-sent")

        with phone.expect_download() as download:
            phone.get_by_role("link", name="Descargue su acuse de recibo (PDF)").click()
    assert download.value.suggested_filename == f"acuse-{shown}.pdf"
    acuse = pdf_text(Path(download.value.path()).read_bytes())
    assert shown in acuse
    assert f"Número de cuenta: {ACCOUNT_NUMBER}" in acuse
    assert "Formulario web" in acuse


def creditor_page(site: str) -> str:
    return f"""<!doctype html><html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Banco Demo</title></head>
<body style="margin:0;font-family:sans-serif">
<h1 style="font-size:1.2rem;margin:.5rem">Banco Demo · Contacto</h1>
<iframe id="aclara-contacto" src="{site}/contacto" title="Escríbanos"
        style="width:100%;height:400px;border:0"></iframe>
<script>
  window.addEventListener("message", function (event) {{
    if (event.origin !== "{site}") return;
    if (!event.data || event.data.type !== "aclara-webform-height") return;
    document.getElementById("aclara-contacto").style.height = event.data.height + "px";
  }});
</script></body></html>"""


HELP = "https://ayuda.aclara.test"  # where the creditor's page believes the form lives


def test_the_form_works_inside_the_creditors_iframe_and_nowhere_else(
    site: str, phone: Page
) -> None:
    """The creditor's page and our https address are both played by the browser's router:
    the creditor's page is made up, our address is passed on to the test server (with its
    Host), so the frame is truly cross-site, over https, with no cookie of ours."""

    def to_our_server(route: Any) -> None:
        request = route.request
        response = route.fetch(
            url=request.url.replace(HELP, site),
            headers={**request.headers, "host": HELP.removeprefix("https://")},
        )  # redirects followed here: a fulfilled 303 does not navigate a frame
        route.fulfill(response=response)

    for origin in ("https://www.bancodemo.example", "https://evil.example"):
        phone.route(
            f"{origin}/**",
            lambda route: route.fulfill(content_type="text/html", body=creditor_page(HELP)),
        )
    phone.route(f"{HELP}/**", to_our_server)

    phone.goto("https://www.bancodemo.example/contacto")
    frame = phone.frame_locator("#aclara-contacto")
    expect(frame.get_by_role("heading", name="Escríbanos")).to_be_visible()
    # The form said how tall it is: the iframe grew from 400 px to the whole form.
    phone.wait_for_function(
        "document.getElementById('aclara-contacto').getBoundingClientRect().height > 1000"
    )
    frame.get_by_label("Su nombre").fill("Rosa Quintero")
    frame.get_by_label("Correo electrónico").fill("rosa.iframe@correo.mx")
    frame.get_by_label("¿De qué se trata?").select_option("already_paid")
    frame.get_by_label("Cuéntenos qué pasó").fill("Pagué el 2 de noviembre en ventanilla.")
    with clock.freeze(clock.now() + timedelta(seconds=30)):
        frame.get_by_role("button", name="Enviar").click()
        expect(frame.locator("[data-folio]")).to_have_text(re.compile(r"^ACL-\d{4}-\d{6}$"))
    assert phone.context.cookies(HELP) == []  # no cookie was needed, none was set

    # Another site's page cannot show it: the browser refuses to render the frame.
    phone.goto("https://evil.example/contacto")
    phone.wait_for_timeout(1000)
    assert [f.url for f in phone.frames][1:] != [f"{HELP}/contacto"]
    assert phone.frame_locator("#aclara-contacto").get_by_role("heading").count() == 0
