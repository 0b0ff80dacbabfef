"""Staff sign-in: Spanish first, argon2, CSRF, rate limits, roles and sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.users.services import authenticate, set_active
from tests.factories import PASSWORD


def test_sign_in_page_is_spanish_by_default(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es"' in page
    assert "Iniciar sesión" in page and "Contraseña" in page


def test_sign_in_page_follows_the_browser_language(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(True)
    assert "Sign in" in page and "Password" in page


def test_passwords_are_stored_as_argon2id(session, make):
    user = make.user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_with_the_right_password_opens_the_inbox(client, make, session):
    user = make.user()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/tickets"
    assert client.get("/tickets").status_code == 200
    assert user.last_login_at == clock.now()
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.signed_in"))


def test_wrong_password_says_so_in_spanish(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    assert response.status_code == 200
    assert "Correo o contraseña incorrectos." in response.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_answer(client):
    response = client.post("/login", data={"email": "nadie@ejemplo.mx", "password": "x" * 12})
    assert "Correo o contraseña incorrectos." in response.get_data(as_text=True)


def test_invalid_form_shows_field_errors_in_spanish(client):
    page = client.post("/login", data={"email": "no-es-un-correo", "password": ""}).get_data(True)
    assert "Email inválido." in page
    assert "Este campo es obligatorio." in page


def test_missing_csrf_token_is_refused(client, make, csrf_enabled):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "El formulario caducó" in response.get_data(as_text=True)


def test_csrf_token_from_the_page_is_accepted(client, make, csrf_enabled):
    import re

    user = make.user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_failed_sign_ins_are_rate_limited(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 15 minutes")
    user = make.user()
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": "wrong password"})
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)


def test_sign_out_needs_post_and_ends_the_session(client, signed_in):
    signed_in()
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/tickets").status_code == 302


def test_deactivated_user_is_signed_out_everywhere(client, signed_in, session):
    user = signed_in()
    set_active(session, user, False, actor=Actor.system(), now=clock.now())
    session.flush()
    response = client.get("/tickets")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert authenticate(session, user.email, PASSWORD, now=clock.now()) is None


def test_next_only_redirects_inside_the_site(client, make):
    user = make.user()
    data = {"email": user.email, "password": PASSWORD}
    evil = client.post("/login?next=//evil.example/phish", data=data)
    assert evil.headers["Location"] == "/tickets"
    client.post("/logout")
    local = client.post("/login?next=/profile", data=data)
    assert local.headers["Location"] == "/profile"


def test_session_cookie_is_http_only_and_same_site(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "aclara_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    from helpdesk.config import load_config

    monkeypatch.setenv("HELPDESK_SECRET_KEY", "x" * 40)
    config = load_config(tmp_path, {"ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager"])
def test_admin_pages_are_forbidden_below_admin(client, signed_in, role):
    signed_in(role)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "No tiene permiso para ver esta página." in response.get_data(as_text=True)


def test_admin_can_create_a_user(client, signed_in, session):
    signed_in("admin")
    response = client.post(
        "/admin/users",
        data={
            "name": "Nueva Agente",
            "role": "agent",
            "email": "nueva@aclara.mx",
            "password": "una clave larga",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "nueva@aclara.mx" in page and "Usuario creado." in page


def test_admin_form_errors_come_back_in_spanish(client, signed_in):
    admin = signed_in("admin")
    page = client.post(
        "/admin/users",
        data={"name": "Otra", "role": "agent", "email": admin.email, "password": "una clave larga"},
    ).get_data(True)
    assert "Ya existe un usuario con este correo." in page
