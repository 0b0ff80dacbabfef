"""End to end, on a phone (390x844): a debtor signs in from the magic link of a reminder,
and with a code sent by WhatsApp to the Graph stand-in. CSRF is on."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email import policy
from email.parser import BytesParser
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
from helpdesk.reminders.dispatcher import run_due
from helpdesk.reminders.models import ReminderSchedule, ReminderStep
from tests.channels.whatsapp import graph as graph_server
from tests.conftest import app_config, migrate_to_head
from tests.e2e.conftest import SPANISH_CATALOG, serve_app

pytestmark = pytest.mark.e2e

EMAIL = "guadalupe.nunez@correo.mx"
PHONE = "+525512345678"
ACCOUNT_NUMBER = "MX-904512"
MASKED = "+52\u00a055\u00a0****\u00a05678"
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
BORN = date(1985, 12, 31)


@dataclass
class Site:
    url: str
    app: Any
    graph: graph_server.Graph
    outbox: Path


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from build_site(tmp_path)


@pytest.fixture
def birth_date_site(tmp_path: Path) -> Iterator[Site]:
    """The creditor asks the date of birth with an account number."""
    yield from build_site(
        tmp_path, birth_date=BORN, PORTAL_IDENTIFYING_FACTS={"Banco Demo": "birth_date"}
    )


def build_site(tmp_path: Path, *, birth_date: date | None = None, **config: Any) -> Iterator[Site]:
    if not SPANISH_CATALOG.exists():
        pytest.fail("the catalogs are not compiled: run `make translations`")
    graph, graph_http = graph_server.start()
    app = create_app(
        app_config(
            f"sqlite:///{tmp_path / 'signin-e2e.sqlite3'}",
            tmp_path,
            WTF_CSRF_ENABLED=True,
            WHATSAPP_PHONE_NUMBER_ID="109876543210",
            WHATSAPP_TOKEN=graph_server.TOKEN,
            WHATSAPP_GRAPH_URL=graph.base_url,
            PORTAL_WHATSAPP_CODE_TEMPLATE="codigo_acceso",
            **config,
        )
    )
    migrate_to_head(app)
    with app.app_context():
        now = clock.now()
        contact = create_contact(
            db.session, name="Guadalupe Núñez", email=EMAIL, phone=PHONE,
            actor=Actor.system("e2e"), now=now,
        )
        contact.birth_date = birth_date
        db.session.add(
            CollectionAccount(
                number=ACCOUNT_NUMBER, creditor="Banco Demo", portfolio="Tarjetas",
                contact=contact, balance=Decimal("12500.50"), currency="MXN",
                days_past_due=0, next_due_date=date(2026, 11, 23),
                created_at=now, updated_at=now,
            )
        )
        db.session.commit()
    for url in serve_app(app):  # also where the reminder's link points (PUBLIC_URL)
        yield Site(url, app, graph, tmp_path / "data" / "outbox")
    graph_http.shutdown()
    graph_http.server_close()


def send_reminder(site: Site) -> str:
    """Run the dispatcher as the scheduler would; the link in the mail it sent."""
    with site.app.app_context():
        now = clock.now()
        db.session.add(
            ReminderSchedule(
                creditor="Banco Demo", portfolio="Tarjetas", name="Tarjetas", country="MX",
                is_active=True, created_at=now, updated_at=now,
                steps=[ReminderStep(offset_days=0, channel="email")],
            )
        )
        db.session.commit()
        report = run_due(db.session, config=site.app.config, now=now).as_json()
        db.session.commit()
    assert len(report["sent"]) == 1, report
    [path] = list(site.outbox.glob("*.eml"))
    mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = mail.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/portal/link/\S+", body).group(0)


def test_a_debtor_signs_in_from_the_reminders_link(site: Site, phone: Page) -> None:
    link = send_reminder(site)
    assert link.startswith(site.url)
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Aclara")).to_be_visible()
    phone.get_by_role("button", name="Continuar a su portal").click()
    expect(phone.get_by_role("heading", name="Hola, Guadalupe Núñez")).to_be_visible()
    expect(phone.get_by_text(ACCOUNT_NUMBER)).to_be_visible()

    # The same link, opened again (another device, or the mail clicked twice).
    phone.context.clear_cookies()
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Este enlace ya no funciona")).to_be_visible()
    expect(phone.get_by_text("g***@correo.mx")).to_be_visible()
    assert EMAIL not in phone.content()
    snap(phone, "portal-link-fallback")
    phone.get_by_role("button", name="Enviarme un código").click()
    expect(phone.get_by_label("Código")).to_be_visible()
    expect(phone.get_by_text("g***@correo.mx")).to_be_visible()


def test_a_debtor_signs_in_with_a_code_sent_by_whatsapp(site: Site, phone: Page) -> None:
    phone.goto(f"{site.url}/portal/")
    expect(phone).to_have_url(f"{site.url}/portal/login")
    snap(phone, "portal-login")
    phone.get_by_role("link", name="Ya no tengo ese correo: entrar con mi número de cuenta").click()
    expect(phone.get_by_label("Últimos cuatro dígitos de su teléfono registrado")).to_be_visible()
    snap(phone, "portal-login-account")
    phone.get_by_role("link", name="Usar mi correo o mi teléfono").click()
    phone.get_by_label("Correo electrónico o número de celular").fill("55 1234 5678")
    phone.get_by_role("button", name="Enviarme un código").click()

    expect(phone.get_by_role("heading", name="¿A dónde le enviamos su código?")).to_be_visible()
    expect(phone.get_by_text(MASKED)).to_be_visible()
    expect(phone.get_by_text("g***@correo.mx")).to_be_visible()
    assert EMAIL not in phone.content() and "5512345678" not in phone.content()
    snap(phone, "portal-choose-destination")
    phone.get_by_text(MASKED).click()
    phone.get_by_role("button", name="Enviarme un código").click()

    expect(phone.get_by_text(f"Se lo enviamos a {MASKED}.")).to_be_visible()
    [payload] = site.graph.sent()
    assert payload["to"] == PHONE and payload["template"]["name"] == "codigo_acceso"
    code = payload["template"]["components"][0]["parameters"][0]["text"]
    snap(phone, "portal-code-whatsapp")
    phone.get_by_label("Código").fill(code)
    phone.get_by_role("button", name="Entrar").click()
    expect(phone.get_by_role("heading", name="Hola, Guadalupe Núñez")).to_be_visible()
    cookies = {c["name"]: c for c in phone.context.cookies()}
    assert cookies["aclara_portal"]["path"] == "/portal" and "aclara_session" not in cookies


def test_a_debtor_signs_in_with_the_account_number_and_date_of_birth(
    birth_date_site: Site, phone: Page
) -> None:
    site = birth_date_site
    phone.goto(f"{site.url}/portal/login/account")
    date_option = phone.get_by_role("radio", name="Fecha de nacimiento")
    expect(phone.get_by_role("radio", name="Últimos 4 dígitos de su teléfono")).to_be_checked()
    # The script shows only the chosen option's input.
    expect(phone.get_by_placeholder("DD/MM/AAAA")).to_be_hidden()
    snap(phone, "portal-login-account-choice")
    phone.get_by_label("Número de cuenta o folio de un caso").fill(ACCOUNT_NUMBER)
    date_option.check()
    birth = phone.get_by_placeholder("DD/MM/AAAA")
    expect(birth).to_be_visible()
    expect(phone.get_by_label("Últimos cuatro dígitos de su teléfono registrado")).to_be_hidden()
    birth.press_sequentially("31/12/1985")  # the "/" added after the day is not doubled
    expect(birth).to_have_value("31/12/1985")
    birth.fill("")
    birth.press_sequentially("31121985")  # a phone's numeric keypad has no "/"
    expect(birth).to_have_value("31/12/1985")
    box = phone.locator("label.choice").last.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's target
    snap(phone, "portal-login-account-birth-date")
    phone.get_by_role("button", name="Continuar").click()

    expect(phone.get_by_role("heading", name="¿A dónde le enviamos su código?")).to_be_visible()
    phone.get_by_text(MASKED).click()
    phone.get_by_role("button", name="Enviarme un código").click()
    [payload] = site.graph.sent()
    code = payload["template"]["components"][0]["parameters"][0]["text"]
    phone.get_by_label("Código").fill(code)
    phone.get_by_role("button", name="Entrar").click()
    expect(phone.get_by_role("heading", name="Hola, Guadalupe Núñez")).to_be_visible()
    expect(phone.get_by_text(ACCOUNT_NUMBER)).to_be_visible()


def test_without_javascript_both_inputs_show_and_a_wrong_date_says_nothing(
    birth_date_site: Site, browser: Any
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="es-MX", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{birth_date_site.url}/portal/login/account")
    expect(page.get_by_placeholder("DD/MM/AAAA")).to_be_visible()
    expect(page.get_by_label("Últimos cuatro dígitos de su teléfono registrado")).to_be_visible()
    snap(page, "portal-login-account-no-js")
    page.get_by_label("Número de cuenta o folio de un caso").fill(ACCOUNT_NUMBER)
    page.get_by_role("radio", name="Fecha de nacimiento").check()
    page.get_by_placeholder("DD/MM/AAAA").fill("31/13/1985")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Escriba la fecha como DD/MM/AAAA")).to_be_visible()
    expect(page.get_by_role("radio", name="Fecha de nacimiento")).to_be_checked()
    # The cursor waits in the field to correct, not back in the account number.
    expect(page.get_by_placeholder("DD/MM/AAAA")).to_be_focused()
    snap(page, "portal-login-account-bad-date")
    page.get_by_placeholder("DD/MM/AAAA").fill("30/12/1985")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Si los datos coinciden con una cuenta")).to_be_visible()
    context.close()
