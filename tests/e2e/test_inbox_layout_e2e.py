"""End to end in Chromium: the inbox fits the screens agents use. A dense ticket list at
1440×900, the debtor beside the conversation, and nothing wider than a 390-px phone on
the list, the ticket page and the admin screens (issue #14, item 9). Set SCREENSHOTS=dir
to keep each screen at desktop and phone sizes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.audit.services import Actor
from helpdesk.contacts.services import create_contact
from helpdesk.extensions import db
from helpdesk.queues.services import add_member, create_queue
from helpdesk.tickets.services import add_note, open_ticket, reply
from helpdesk.users.models import User
from tests.e2e.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AGENT_EMAIL,
    AGENT_PASSWORD,
    Site,
    seed,
    serve,
)
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_TEXT = (
    "Buenas tardes. Reviso mi estado de cuenta de la tarjeta terminación 4821 y encuentro "
    "un cargo de $12,450.00 del 3 de noviembre en un comercio que no conozco "
    "(COMERCIALIZADORA-DEL-NORTE-SUCURSAL-MONTERREY-CENTRO-0001). Solicito la aclaración "
    "y la copia del voucher firmado.\n\n" * 3
)


@dataclass
class Busy:
    site: Site
    dispute: str
    admin_pages: list[str]


@pytest.fixture
def busy(tmp_path: Path) -> Iterator[Busy]:
    """The e2e site with a full inbox: 30 more tickets, and a dispute with an account and
    a long conversation."""
    app, folios = seed(tmp_path)
    with app.app_context():
        actor, now = Actor.system("e2e"), clock.now()
        agent = db.session.query(User).filter_by(email=AGENT_EMAIL).one()
        for n in range(30):
            contact = create_contact(
                db.session,
                name=f"Deudora Ramírez {n}",
                email=f"d{n}@correo.mx",
                actor=actor,
                now=now,
            )
            open_ticket(
                db.session,
                contact=contact,
                subject=f"Solicitud de estado de cuenta número {n} para aclaración",
                text="Necesito mi estado de cuenta.",
                type="information",
                channel="email",
                actor=Actor.for_contact(contact),
                folio_prefix=app.config["FOLIO_PREFIX"],
                now=now - timedelta(minutes=n),
            )
        contact = create_contact(
            db.session,
            name="María Guadalupe Fernández de la Garza",
            email="maria.guadalupe.fernandez.delagarza@correo-electronico-largo.com.mx",
            actor=actor,
            now=now,
        )
        account = CollectionAccount(
            contact=contact,
            number="MX-4821-000123456789",
            creditor="Banco del Norte",
            portfolio="Tarjetas",
            balance=Decimal("48250.75"),
            currency="MXN",
            days_past_due=92,
            created_at=now,
            updated_at=now,
        )
        db.session.add(account)
        queue = create_queue(
            db.session,
            name="Aclaraciones y disputas de tarjetas de crédito",
            description="Cargos no reconocidos, montos equivocados y pagos no aplicados.",
            email_address="aclaraciones.tarjetas.de.credito@cobranza-del-norte.com.mx",
            actor=actor,
            now=now,
        )
        add_member(db.session, queue, agent, actor=actor, now=now)
        ticket = open_ticket(
            db.session,
            contact=contact,
            queue=queue,
            subject="Aclaración de cargo no reconocido en tarjeta terminación 4821",
            text=LONG_TEXT,
            type="dispute",
            channel="email",
            accounts=[account],
            actor=Actor.for_contact(contact),
            folio_prefix=app.config["FOLIO_PREFIX"],
            now=now,
        )
        reply(db.session, ticket, author=agent, text=LONG_TEXT, now=now + timedelta(hours=1))
        add_note(db.session, ticket, author=agent, text="Pedí el voucher al banco.", now=now)
        db.session.commit()
        admin_pages = sorted(
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin")
            and not rule.arguments
            and "GET" in rule.methods
            and "." not in rule.rule  # downloads (audit.csv) are not pages
        )
        folio = ticket.folio
    for site in serve(app, folios):
        yield Busy(site=site, dispute=folio, admin_pages=admin_pages)


def sign_in_as(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_attached()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def rows_in_view(page: Page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('table.tickets tbody tr')].filter(row => {
            const box = row.getBoundingClientRect();
            return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
        }).length"""
    )


def test_the_list_shows_twenty_tickets_at_once(busy: Busy, page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets")
    expect(page.locator("table.tickets tbody tr").first).to_be_visible()
    assert rows_in_view(page) >= 20
    snap(page, "inbox-list")


def test_the_debtor_sits_beside_the_conversation(busy: Busy, page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets/{busy.dispute}")
    for card in (page.locator(".debtor-card"), page.locator(".card.accounts")):
        expect(card).to_be_in_viewport(ratio=1)
    assert "MX-4821-000123456789" in page.locator(".card.accounts").inner_text()
    conversation = page.get_by_role("region", name="Conversación").bounding_box()
    debtor = page.locator(".debtor-card").bounding_box()
    assert debtor["x"] > conversation["x"] + conversation["width"] - 1  # a side column
    snap(page, "inbox-ticket")

    page.locator("label.mode-tab", has_text="Nota interna").click()
    page.get_by_role("textbox", name="Nota interna").fill("Adjunto el voucher que envió el banco.")
    page.locator(".composer-note input[type=file]").set_input_files(
        files=[{"name": "voucher-3-nov.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    snap(page, "inbox-note-composer")
    page.get_by_role("button", name="Agregar nota").click()
    expect(page.get_by_role("status").filter(has_text="Nota agregada.")).to_be_visible()
    note = page.locator("article.message-note").filter(has_text="voucher que envió")
    expect(note.get_by_role("link", name="voucher-3-nov.pdf")).to_be_visible()
    snap(page, "inbox-note-attachment")

    page.set_viewport_size(PHONE)
    debtor = page.locator(".debtor-card").bounding_box()
    conversation = page.get_by_role("region", name="Conversación").bounding_box()
    assert abs(debtor["x"] - conversation["x"]) < 2  # stacked


def test_the_status_card_asks_for_the_outcome_when_resolving(busy: Busy, page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
    page.goto(f"{busy.site.url}/tickets/{busy.dispute}")
    card = page.locator(".status-card")
    expect(card.get_by_label("Estado")).to_have_value("open")
    outcome = card.get_by_label("Resultado de la disputa")
    expect(outcome).to_be_hidden()
    card.get_by_label("Estado").select_option("resolved")
    expect(outcome).to_be_visible()
    snap(page, "inbox-status-outcome")
    card.get_by_role("button", name="Cambiar estado").click()
    expect(card.get_by_role("alert")).to_contain_text("Elija el resultado de la disputa")
    snap(page, "inbox-status-refused")
    card.get_by_label("Resultado de la disputa").select_option("partial")
    card.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator(".ticket-head .badge")).to_have_text("Resuelto")
    expect(page.locator("ol.thread")).to_contain_text("Parcialmente favorable")


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_nothing_scrolls_sideways_on_a_phone(busy: Busy, page: Page, who: str) -> None:
    page.set_viewport_size(PHONE)
    if who == "agent":
        sign_in_as(page, busy.site.url, AGENT_EMAIL, AGENT_PASSWORD)
        paths = ["/tickets", "/tickets?sort=deadline", f"/tickets/{busy.dispute}"]
    else:
        sign_in_as(page, busy.site.url, ADMIN_EMAIL, ADMIN_PASSWORD)
        paths = list(busy.admin_pages)
    wide, seen = [], set()
    while paths:
        path = paths.pop(0)
        if path in seen or "." in path.rsplit("/", 1)[-1]:
            continue
        seen.add(path)
        response = page.goto(f"{busy.site.url}{path}")
        if response is None or response.status != 200:
            continue
        if not fits(page):
            width = page.evaluate("document.documentElement.scrollWidth")
            wide.append(f"{path} ({width}px)")
        if who == "admin":  # and the screens the admin lists link to (a queue, a user…)
            links = page.eval_on_selector_all(
                "main a[href^='/admin']", "links => links.map(a => a.getAttribute('href'))"
            )
            paths.extend(link.split("#")[0] for link in links if link not in seen)
    assert not wide, f"wider than the phone: {wide}"
