"""End to end: the real app on a real server, driven by headless Chromium, in Spanish.

The app is built here (SQLite file, migrated, CSRF on), not from the per-backend ``app``
fixture, so each test runs once. The browser is Debian's Chromium; nothing is downloaded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from helpdesk import clock
from helpdesk.app import create_app
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.search.jobs import index_changes_job
from helpdesk.tickets.services import open_ticket
from helpdesk.users.services import create_user
from tests.conftest import app_config, migrate_to_head, require_service

CHROMIUM = Path("/usr/bin/chromium")
SPANISH_CATALOG = Path(__file__).resolve().parents[2] / "translations/es/LC_MESSAGES/messages.mo"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AGENT_EMAIL = "lucia.herrera@aclara.mx"
AGENT_PASSWORD = "contraseña de prueba 2026"
ADMIN_EMAIL = "sofia.mendez@aclara.mx"
ADMIN_PASSWORD = "contraseña de administración 2026"
# (type, subject, first message)
TICKETS = [
    ("dispute", "Aclaración de cargo no reconocido", "No reconozco el cargo del 3 de noviembre."),
    ("payment_plan", "Solicitud de convenio de pago", "Quisiera pagar en seis mensualidades."),
    (
        "complaint",
        "Queja por llamadas fuera de horario",
        "Me llamaron a las 22:40, exijo que paren.",
    ),
]


@dataclass
class Site:
    url: str
    folios: list[str]


def seed(tmp_path: Path) -> tuple[Flask, list[str]]:
    """A migrated SQLite file with a Spanish-speaking agent and admin, and three tickets."""
    if not SPANISH_CATALOG.exists():
        pytest.fail("the catalogs are not compiled: run `make translations`")
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    app = create_app(app_config(url, tmp_path, WTF_CSRF_ENABLED=True))
    migrate_to_head(app)
    with app.app_context():
        actor, now = Actor.system("e2e"), clock.now()
        create_user(
            db.session,
            email=AGENT_EMAIL,
            name="Lucía Herrera",
            role="agent",
            password=AGENT_PASSWORD,
            locale="es_MX",
            actor=actor,
            now=now,
        )
        create_user(
            db.session,
            email=ADMIN_EMAIL,
            name="Sofía Méndez",
            role="admin",
            password=ADMIN_PASSWORD,
            locale="es_MX",
            actor=actor,
            now=now,
        )
        folios = []
        for n, (type_, subject, text) in enumerate(TICKETS, start=1):
            contact = create_contact(
                db.session,
                name=f"Deudor Núñez {n}",
                email=f"deudor{n}@correo.mx",
                actor=actor,
                now=now,
            )
            ticket = open_ticket(
                db.session,
                contact=contact,
                subject=subject,
                text=text,
                type=type_,
                channel="email",
                folio_prefix=app.config["FOLIO_PREFIX"],
                actor=Actor.for_contact(contact),
                now=now,
            )
            folios.append(ticket.folio)
        db.session.commit()
        index_changes_job()  # what the search worker does after the commit
    return app, folios


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app, folios = seed(tmp_path)
    yield from serve(app, folios)


def serve(app: Flask, folios: list[str]) -> Iterator[Site]:
    """Serve a seeded app on a free loopback port for the length of a test."""
    for url in serve_app(app):
        yield Site(url=url, folios=folios)


def serve_app(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; its URL for the length of a fixture that
    does ``yield from serve_app(app)``. The app's ``PUBLIC_URL`` is set to it, so links in
    mail point back here."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def browser() -> Iterator[Browser]:
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="es-MX", timezone_id="America/Mexico_City")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A debtor's phone: 390×844, touch, Spanish, Mexico City's time."""
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


def sign_in(page: Page, password: str) -> None:
    page.get_by_label("Correo electrónico").fill(AGENT_EMAIL)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
