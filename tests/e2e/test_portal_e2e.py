"""End to end, on a phone: a debtor signs in with the mailed code, opens a dispute about
their account and sees the folio; the account shows its reminders paused. CSRF is on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from pathlib import Path

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

DEBTOR_EMAIL = "guadalupe.nunez@correo.mx"
ACCOUNT_NUMBER = "MX-904512"


@pytest.fixture
def portal_site(tmp_path: Path) -> Iterator[str]:
    if not SPANISH_CATALOG.exists():
        pytest.fail("the catalogs are not compiled: run `make translations`")
    url = f"sqlite:///{tmp_path / 'portal-e2e.sqlite3'}"
    app = create_app(app_config(url, tmp_path, WTF_CSRF_ENABLED=True))
    migrate_to_head(app)
    with app.app_context():
        now = clock.now()
        contact = create_contact(
            db.session,
            name="Guadalupe Núñez",
            email=DEBTOR_EMAIL,
            actor=Actor.system("e2e"),
            now=now,
        )
        db.session.add(
            CollectionAccount(
                number=ACCOUNT_NUMBER,
                creditor="Banco Demo",
                portfolio="Tarjetas",
                contact=contact,
                balance=Decimal("12500.50"),
                currency="MXN",
                days_past_due=45,
                created_at=now,
                updated_at=now,
            )
        )
        db.session.commit()
    yield from serve_app(app)


def mailed_code(outbox: Path) -> str:
    [path] = list(outbox.glob("*.eml"))
    mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert DEBTOR_EMAIL in str(mail["To"])
    return re.search(r"\b(\d{6})\b", str(mail["Subject"])).group(1)


def test_a_debtor_opens_a_dispute_from_a_phone(
    portal_site: str, phone: Page, tmp_path: Path
) -> None:
    phone.goto(f"{portal_site}/portal/")
    expect(phone).to_have_url(f"{portal_site}/portal/login")
    phone.get_by_label("Correo electrónico").fill(DEBTOR_EMAIL)
    phone.get_by_role("button", name="Enviarme un código").click()
    expect(phone.get_by_role("status")).to_contain_text("Si esa dirección está registrada")

    phone.get_by_label("Código").fill(mailed_code(tmp_path / "data" / "outbox"))
    phone.get_by_role("button", name="Entrar").click()
    expect(phone.get_by_role("heading", name="Hola, Guadalupe Núñez")).to_be_visible()
    expect(phone.get_by_text(ACCOUNT_NUMBER)).to_be_visible()

    phone.get_by_role("link", name="Abrir un caso").first.click()
    phone.get_by_label("¿De qué se trata?").select_option("dispute")
    phone.get_by_label("Cuenta", exact=True).select_option(label=f"Banco Demo · {ACCOUNT_NUMBER}")
    phone.get_by_label("Asunto").fill("No reconozco el cargo de octubre")
    phone.get_by_label("Cuéntenos qué pasó").fill("El cargo del 3 de octubre no es mío.")
    phone.get_by_role("button", name="Enviar mi caso").click()

    folio = phone.locator("[data-folio]")
    expect(folio).to_have_text(re.compile(r"^ACL-\d{4}-\d{6}$"))
    shown = folio.inner_text()
    phone.screenshot(path=tmp_path / "portal-folio.png", full_page=True)
    snap(phone, "portal-case-opened")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Descargue su acuse de recibo (PDF)").click()
    assert download.value.suggested_filename == f"acuse-{shown}.pdf"
    acuse = pdf_text(Path(download.value.path()).read_bytes())
    assert shown in acuse and "Cobranza pausada" in acuse and ACCOUNT_NUMBER in acuse

    phone.get_by_role("link", name="Mis cuentas").click()
    expect(phone.get_by_text(f"mientras revisamos su caso {shown}")).to_be_visible()
    phone.get_by_role("button", name="Cerrar sesión").click()
    expect(phone).to_have_url(f"{portal_site}/portal/login")
