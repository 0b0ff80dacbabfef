"""End to end in Chromium: an agent turns on two-step sign-in from the security page with
a real TOTP code, keeps the recovery codes, signs out, and signs in again with password and
code. Set SCREENSHOTS=dir to keep a picture of every step at desktop and phone sizes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import FIXED_NOW
from tests.e2e.conftest import AGENT_PASSWORD, Site, sign_in

pytestmark = pytest.mark.e2e
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def test_an_agent_turns_on_two_step_and_signs_in_with_a_code(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/login")
    sign_in(page, AGENT_PASSWORD)
    page.get_by_role("link", name="Seguridad").click()
    expect(page.get_by_text("Este navegador")).to_be_visible()
    snap(page, "security-off")

    page.get_by_role("link", name="Configurar el inicio de sesión en dos pasos").click()
    expect(
        page.get_by_alt_text("Código QR para escanear con su app de autenticación")
    ).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    snap(page, "two-step-setup")
    page.get_by_label("Código").fill(
        "123456" if pyotp.TOTP(secret).at(FIXED_NOW) != "123456" else "654321"
    )
    page.get_by_role("button", name="Activar el inicio de sesión en dos pasos").click()
    expect(page.get_by_text("Ese código no es correcto")).to_be_visible()
    page.get_by_label("Código").fill(pyotp.TOTP(secret).at(FIXED_NOW))
    page.get_by_role("button", name="Activar el inicio de sesión en dos pasos").click()

    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    snap(page, "recovery-codes")
    page.get_by_role("link", name="Ya los guardé — continuar").click()
    expect(page.get_by_text("Le quedan 10 códigos de recuperación")).to_be_visible()
    page.locator("summary", has_text="Desactivar").click()  # open it, for the picture
    snap(page, "security-on")

    page.get_by_role("button", name="Cerrar sesión").first.click()
    sign_in(page, AGENT_PASSWORD)
    expect(page).to_have_url(f"{site.url}/login/code")
    snap(page, "second-step")
    later = pyotp.TOTP(secret).at(FIXED_NOW + timedelta(seconds=30))  # the phone's next code
    page.get_by_label("Código").fill(later)
    page.get_by_role("button", name="Verificar e iniciar sesión").click()
    expect(page).to_have_url(f"{site.url}/tickets")
