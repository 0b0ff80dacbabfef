"""End to end in Chromium: an admin sets the branding (logo, colours, legal notice,
privacy link); a debtor on a phone sees it, opens a dispute with a photo that carries
its GPS position, sees collection paused, and downloads the photo back without it.
Set SCREENSHOTS=dir to keep the admin page and the branded portal at both sizes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.users.services import create_user
from tests.attachments.images import has_location, photo_with_gps
from tests.conftest import app_config, migrate_to_head
from tests.e2e.conftest import SPANISH_CATALOG, serve_app
from tests.e2e.test_portal_e2e import mailed_code
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e

DEBTOR_EMAIL = "guadalupe.nunez@correo.mx"
ACCOUNT_NUMBER = "MX-904512"
ADMIN_EMAIL = "admin@cobranza.mx"
ADMIN_PASSWORD = "una contraseña de administración larga"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    if not SPANISH_CATALOG.exists():
        pytest.fail("the catalogs are not compiled: run `make translations`")
    url = f"sqlite:///{tmp_path / 'brand-e2e.sqlite3'}"
    app = create_app(app_config(url, tmp_path, WTF_CSRF_ENABLED=True))
    migrate_to_head(app)
    with app.app_context():
        now = clock.now()
        actor = Actor.system("e2e")
        create_user(
            db.session, email=ADMIN_EMAIL, name="Ana Admin", role="admin",
            password=ADMIN_PASSWORD, actor=actor, now=now,
        )  # fmt: skip
        contact = create_contact(
            db.session, name="Guadalupe Núñez", email=DEBTOR_EMAIL, actor=actor, now=now
        )
        db.session.add(
            CollectionAccount(
                number=ACCOUNT_NUMBER, creditor="Banco Demo", portfolio="Tarjetas",
                contact=contact, balance=Decimal("12500.50"), currency="MXN",
                days_past_due=45, created_at=now, updated_at=now,
            )
        )
        db.session.commit()
    yield from serve_app(app)


def new_page(browser: Browser, width: int, height: int, **options: object) -> Page:
    context = browser.new_context(
        locale="es-MX", timezone_id="America/Mexico_City",
        viewport={"width": width, "height": height}, **options,
    )  # fmt: skip
    context.set_default_timeout(15_000)
    return context.new_page()


def a_logo() -> bytes:
    """A wide logo: a white plate with a green mark and a gold bar."""
    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, 108, 108), fill=(27, 77, 62))
    draw.rectangle((130, 45, 340, 75), fill=(200, 150, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def set_branding(page: Page, site: str, logo: Path) -> None:
    page.goto(f"{site}/login")
    page.get_by_label("Correo electrónico").fill(ADMIN_EMAIL)
    page.get_by_label("Contraseña").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.locator("details.nav-menu summary").click()
    page.locator(".nav-menu-items").get_by_role("link", name="Imagen de marca").click()
    expect(page.get_by_role("heading", name="Imagen de marca", exact=True)).to_be_visible()

    page.get_by_label("Nombre que ven los deudores").fill("Cobranza Justa del Norte")
    page.get_by_label("Razón social (opcional)").fill("Cobranza Justa del Norte, S.A. de C.V.")
    page.get_by_label("Color principal").fill("#ffd700")  # white on gold: unreadable
    page.get_by_label("Color de acento").fill("#7a3e00")
    page.get_by_label("Logotipo (opcional)").set_input_files(str(logo))
    page.get_by_label("Aviso legal (opcional)").fill(
        "Despacho de cobranza registrado ante la CONDUSEF (REDECO)."
    )
    page.get_by_label("Dirección del aviso de privacidad (opcional)").fill(
        "https://cobranzajusta.mx/privacidad"
    )
    page.get_by_role("button", name="Guardar imagen de marca").click()
    expect(page.get_by_role("alert")).to_contain_text("Elija un color más oscuro")

    page.get_by_label("Color principal").fill("#1b4d3e")
    page.get_by_label("Logotipo (opcional)").set_input_files(str(logo))  # files are not kept
    page.get_by_role("button", name="Guardar imagen de marca").click()
    expect(page.get_by_text("Imagen guardada.")).to_be_visible()
    expect(page.locator(".branding-preview img.brand-logo")).to_be_visible()
    snap(page, "admin-branding")


def test_a_branded_portal_and_a_photo_without_its_location(
    site: str, browser: Browser, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(a_logo())
    set_branding(new_page(browser, 1440, 900), site, logo)

    phone = new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    phone.goto(f"{site}/portal/")
    expect(phone.locator(".portal-bar .brand")).to_contain_text("Cobranza Justa del Norte")
    phone.get_by_label("Correo electrónico").fill(DEBTOR_EMAIL)
    phone.get_by_role("button", name="Enviarme un código").click()
    phone.get_by_label("Código").fill(mailed_code(tmp_path / "data" / "outbox"))
    phone.get_by_role("button", name="Entrar").click()
    expect(phone.get_by_role("heading", name="Hola, Guadalupe Núñez")).to_be_visible()
    bar = phone.locator(".portal-bar")
    expect(bar).to_have_css("background-color", "rgb(27, 77, 62)")
    expect(bar.locator("img.brand-logo")).to_be_visible()
    expect(phone.get_by_role("link", name="Aviso de privacidad")).to_have_attribute(
        "href", "https://cobranzajusta.mx/privacidad"
    )
    expect(phone.locator(".portal-footer")).to_contain_text("registrado ante la CONDUSEF")
    snap(phone, "portal-branded-home")

    photo = tmp_path / "recibo.jpg"
    photo.write_bytes(photo_with_gps("JPEG", size=(1200, 900)))
    assert has_location(photo.read_bytes())
    phone.get_by_role("link", name="Abrir un caso").first.click()
    phone.get_by_label("¿De qué se trata?").select_option("dispute")
    phone.get_by_label("Cuenta", exact=True).select_option(label=f"Banco Demo · {ACCOUNT_NUMBER}")
    phone.get_by_label("Asunto").fill("No reconozco el cargo de octubre")
    phone.get_by_label("Cuéntenos qué pasó").fill("El cargo del 3 de octubre no es mío.")
    files = phone.get_by_label("Archivos adjuntos (opcional)")
    huge = tmp_path / "foto-enorme.jpg"
    huge.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024))
    files.set_input_files(str(huge))  # said at once, before a slow phone uploads it
    expect(phone.get_by_role("alert")).to_contain_text("foto-enorme.jpg pesa más de 10 MB.")
    files.set_input_files(str(photo))
    expect(phone.get_by_role("alert")).to_have_count(0)
    phone.get_by_role("button", name="Enviar mi caso").click()

    folio = phone.locator("[data-folio]")
    expect(folio).to_have_text(re.compile(r"^ACL-\d{4}-\d{6}$"))
    shown = folio.inner_text()
    snap(phone, "portal-branded-case")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="recibo.jpg").click()
    stored = Path(download.value.path()).read_bytes()
    assert stored[:3] == b"\xff\xd8\xff" and not has_location(stored)
    assert b"PhoneMaker" not in stored and len(stored) > 1000

    phone.get_by_role("link", name="Mis cuentas").click()
    expect(phone.get_by_role("status")).to_contain_text(
        f"Recordatorios en pausa mientras revisamos su caso {shown}"
    )
