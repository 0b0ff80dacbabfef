"""End to end, on a phone, without signing in: the public web form /contacto refuses a form
with only a name (text kept), asks to send again when sent too quickly, then gives the
folio and the acuse, whose text is read back."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from tests.conftest import app_config, migrate_to_head, require_service
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SPANISH_CATALOG
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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def phone() -> Iterator[Page]:
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="es-MX",
            timezone_id="America/Mexico_City",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


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
