"""End to end: a debtor on a phone (390x844) asks for a copy of their data; an agent
produces the export from the ticket page and delivers it; the debtor downloads the PDF
and it names them, their account and the folio. CSRF is on; jobs run inline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.queues.models import Queue
from helpdesk.sla import defaults
from helpdesk.users.services import create_user
from tests.conftest import app_config, migrate_to_head
from tests.e2e.conftest import AGENT_EMAIL, AGENT_PASSWORD, serve_app, sign_in
from tests.e2e.test_portal_e2e import mailed_code
from tests.e2e.test_two_factor_e2e import snap
from tests.receipts.conftest import pdf_text

pytestmark = pytest.mark.e2e

DEBTOR_EMAIL = "guadalupe.nunez@correo.mx"
ACCOUNT_NUMBER = "MX-904512"


@pytest.fixture
def rights_site(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'rights-e2e.sqlite3'}"
    app = create_app(app_config(url, tmp_path, WTF_CSRF_ENABLED=True))
    migrate_to_head(app)
    with app.app_context():
        now, actor = clock.now(), Actor.system("e2e")
        queue = Queue(name="Datos personales", slug="datos-personales", created_at=now)
        db.session.add(queue)
        db.session.flush()
        defaults.install(db.session, now=now)
        agent = create_user(
            db.session,
            email=AGENT_EMAIL,
            name="Lucía Herrera",
            role="agent",
            password=AGENT_PASSWORD,
            locale="es_MX",
            actor=actor,
            now=now,
        )
        agent.queues.append(queue)
        contact = create_contact(
            db.session, name="Guadalupe Núñez", email=DEBTOR_EMAIL, actor=actor, now=now
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


def test_a_debtor_gets_a_copy_of_their_data(
    rights_site: str, browser: Browser, tmp_path: Path
) -> None:
    phone_context = browser.new_context(
        locale="es-MX",
        timezone_id="America/Mexico_City",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone_context.set_default_timeout(15_000)
    phone = phone_context.new_page()
    phone.goto(f"{rights_site}/portal/login")
    phone.get_by_label("Correo electrónico").fill(DEBTOR_EMAIL)
    phone.get_by_role("button", name="Enviarme un código").click()
    phone.get_by_label("Código").fill(mailed_code(tmp_path / "data" / "outbox"))
    phone.get_by_role("button", name="Entrar").click()
    phone.get_by_role("link", name="Mis datos personales").click()
    expect(phone.get_by_role("heading", name="Mis datos personales", level=1)).to_be_visible()
    snap(phone, "portal-data-rights")
    phone.set_viewport_size({"width": 390, "height": 844})

    phone.locator("#access").get_by_role("button", name="Pedir una copia de mis datos").click()
    folio = phone.locator("[data-folio]").inner_text()
    assert re.fullmatch(r"ACL-\d{4}-\d{6}", folio)

    desk = browser.new_context(locale="es-MX", timezone_id="America/Mexico_City")
    desk.set_default_timeout(15_000)
    agent = desk.new_page()
    agent.goto(f"{rights_site}/login")
    sign_in(agent, AGENT_PASSWORD)
    agent.goto(f"{rights_site}/tickets/{folio}")
    card = agent.locator("#data-export")
    card.get_by_role("button", name="Generar exportación de datos").click()
    card = agent.locator("#data-export")
    expect(card.locator("[data-export-status=done]")).to_be_visible()
    expect(card).to_contain_text("Lista")
    snap(agent, "staff-data-export")
    card.get_by_role("button", name="Entregar en el portal").click()
    expect(agent.locator("#data-export")).to_contain_text("Entregada en el portal")

    phone.goto(f"{rights_site}/portal/cases/{folio}")
    with phone.expect_download() as download:
        phone.locator("[data-export-pdf]").click()
    assert download.value.suggested_filename == f"datos-personales-{folio}.pdf"
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert folio in text and "Guadalupe Núñez" in text and ACCOUNT_NUMBER in text
    phone.goto(f"{rights_site}/portal/data")
    expect(phone.get_by_role("heading", name="Su copia está lista")).to_be_visible()
    snap(phone, "portal-data-rights-ready")
    desk.close()
    phone_context.close()
