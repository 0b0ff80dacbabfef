"""End to end in Chromium: an admin sets up a queue with a member, creates an API token
and revokes it (the API refuses it at once), and sends an agent a password reset link;
the agent opens it from the development outbox, sets a new password and signs in with
it. Set SCREENSHOTS=dir to keep every admin screen at desktop and phone sizes."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from tests.conftest import FIXED_NOW
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_EMAIL, Site
from tests.e2e.test_two_factor_e2e import snap

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "mi contraseña nueva de diciembre"


def sign_in_as(page: Page, email: str, password: str) -> None:
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()


def admin_menu(page: Page, screen: str) -> None:
    """Open the top bar's Administración menu and go to one of its screens."""
    page.locator("details.nav-menu summary").click()
    snap(page, "admin-menu") if screen == "Colas" else None
    page.locator(".nav-menu-items").get_by_role("link", name=screen, exact=True).click()


def reset_link(outbox: Path, address: str) -> str:
    parser = BytesParser(policy=policy.default)
    mails = [parser.parsebytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
    [mail] = [m for m in mails if address in str(m["To"])]
    assert mail["Subject"] == "Establezca una nueva contraseña de Aclara"
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/password/reset/\S+", text).group(0)


def add_channels(database: Path) -> None:
    """A mailbox and a WhatsApp number, as the admin would have added them, to point at
    the new queue."""
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        session.add(
            Mailbox(
                name="aclaraciones",
                email_address="aclaraciones@cobranza.mx",
                imap_host="127.0.0.1",
                imap_user="aclaraciones",
                created_at=FIXED_NOW,
            )
        )
        session.add(
            WhatsAppNumber(
                name="Cobranza CO",
                phone_number_id="1098765",
                display_number="+57 601 555 0100",
                created_at=FIXED_NOW,
            )
        )
        session.commit()
    engine.dispose()


def test_an_admin_sets_up_a_queue_a_token_and_a_password_reset(
    site: Site, page: Page, tmp_path: Path
) -> None:
    add_channels(tmp_path / "e2e.sqlite3")
    page.goto(f"{site.url}/login")
    snap(page, "login")
    sign_in_as(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    # A queue with a member
    admin_menu(page, "Colas")
    expect(page.get_by_text("Todavía no hay colas")).to_be_visible()
    page.get_by_label("Nombre").fill("Aclaraciones Bogotá")
    page.get_by_label("Descripción").fill("Disputas de tarjetas de Colombia")
    page.get_by_role("button", name="Crear cola").click()
    expect(page.get_by_role("heading", name="Aclaraciones Bogotá")).to_be_visible()
    expect(page.get_by_text("Nadie atiende esta cola todavía.")).to_be_visible()
    snap(page, "queue-new")
    page.get_by_label("Agregar un agente").select_option(label="Lucía Herrera")
    page.get_by_role("button", name="Agregar", exact=True).click()
    expect(page.get_by_text("Lucía Herrera ahora atiende esta cola.")).to_be_visible()
    expect(page.get_by_role("button", name="Retirar a Lucía Herrera")).to_be_visible()
    page.get_by_label("aclaraciones@cobranza.mx (aclaraciones)").check()
    page.get_by_label("+57 601 555 0100 (Cobranza CO)").check()
    page.locator("form", has_text="El correo de estos buzones").get_by_role(
        "button", name="Guardar"
    ).click()
    expect(page.get_by_text("Se guardaron los canales.")).to_be_visible()
    expect(page.get_by_label("aclaraciones@cobranza.mx (aclaraciones)")).to_be_checked()
    page.get_by_label("Asignación").select_option(label="Por turnos")
    page.get_by_role("button", name="Guardar").first.click()
    expect(page.get_by_text("Se guardó la asignación.")).to_be_visible()
    snap(page, "queue-show")
    page.get_by_role("link", name="← Colas").click()
    expect(page.get_by_role("cell", name="Por turnos")).to_be_visible()
    expect(page.get_by_text("WhatsApp +57 601 555 0100")).to_be_visible()
    snap(page, "queue-list")

    # An API token, shown once, then revoked: the API refuses it at once
    admin_menu(page, "Tokens de API")
    page.get_by_label("Nombre").fill("Sistema de cobranza")
    page.get_by_label("Consultar cuentas").check()
    page.get_by_role("button", name="Crear token").click()
    secret = page.locator("code.token-secret").inner_text().strip()
    assert secret.startswith("acl_")
    snap(page, "token-secret")
    api = {"Authorization": f"Bearer {secret}"}
    assert page.request.get(f"{site.url}/api/v1/accounts/MX-NADA", headers=api).status == 404
    page.get_by_role("link", name="Ya lo copié").click()
    expect(page.get_by_text(secret)).to_have_count(0)
    snap(page, "token-list")
    page.locator("details.confirm summary", has_text="Revocar").click()
    snap(page, "token-revoke-confirm")
    page.get_by_role("button", name="Revocar Sistema de cobranza").click()
    expect(page.get_by_text("Se revocó el token Sistema de cobranza")).to_be_visible()
    refused = page.request.get(f"{site.url}/api/v1/accounts/MX-NADA", headers=api)
    assert refused.status == 401 and "revoked" in refused.json()["error"]["message"]
    snap(page, "token-list-revoked")

    # Tags
    admin_menu(page, "Etiquetas")
    page.get_by_label("Etiqueta").fill("Pago duplicado")
    page.get_by_role("button", name="Crear etiqueta").click()
    expect(page.get_by_text("Se creó la etiqueta pago-duplicado.")).to_be_visible()
    page.locator("details.confirm summary", has_text="Eliminar").click()
    expect(page.get_by_text("Se quita de 0 tickets")).to_be_visible()
    snap(page, "tags")

    # The audit log shows all of it
    admin_menu(page, "Auditoría")
    expect(page.get_by_text("api_token.revoked")).to_be_visible()
    expect(page.get_by_text("queue.member_added")).to_be_visible()
    snap(page, "audit")
    page.get_by_label("Objeto").select_option(label="Tokens de API")
    page.get_by_role("button", name="Aplicar filtros").click()
    expect(page.get_by_text("queue.member_added")).to_have_count(0)
    expect(page.get_by_text("api_token.created")).to_be_visible()

    # A password reset link for the agent
    admin_menu(page, "Usuarios")
    page.get_by_role("button", name="Enviar a Lucía Herrera un enlace").click()
    expect(page.get_by_text(f"Enviamos a {AGENT_EMAIL} un enlace")).to_be_visible()
    snap(page, "users")
    page.get_by_role("button", name="Cerrar sesión").click()

    link = reset_link(tmp_path / "data" / "outbox", AGENT_EMAIL)
    page.goto(link)
    snap(page, "password-reset")
    page.get_by_label("Nueva contraseña", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repita la nueva contraseña").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Guardar la nueva contraseña").click()
    expect(page.get_by_text("Su nueva contraseña quedó establecida")).to_be_visible()
    sign_in_as(page, AGENT_EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(f"{site.url}/tickets")
    page.get_by_role("button", name="Cerrar sesión").click()

    # The link works once; "forgot password?" is on the sign-in page
    page.goto(link)
    expect(page.get_by_text("El enlace ya se usó")).to_be_visible()
    snap(page, "password-reset-used")
    page.get_by_role("link", name="Pedir un enlace nuevo").click()
    expect(page.get_by_label("Correo electrónico")).to_be_visible()
    snap(page, "password-forgot")
