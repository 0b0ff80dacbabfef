"""Password reset by a single-use emailed link; "forgot password?" on the sign-in page;
role changes. Bad input: an expired link, a reused link, a replaced link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.users.models import PasswordReset
from tests.admin.conftest import mails_to, reset_link
from tests.conftest import FIXED_NOW
from tests.factories import PASSWORD

NEW_PASSWORD = "una contraseña nueva 2026"


def sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_an_admin_sends_a_reset_link_and_the_user_sets_a_new_password(
    app, client, signed_in, make, session
):
    signed_in("admin")
    user = make.user("agent", name="Lucía Herrera")
    other_browser = app.test_client()
    assert sign_in(other_browser, user.email, PASSWORD).status_code == 302
    assert other_browser.get("/tickets").status_code == 200

    response = client.post(f"/admin/users/{user.id}/reset-password", follow_redirects=True)
    assert f"Enviamos a {user.email} un enlace" in response.get_data(as_text=True)
    [mail] = mails_to(app, user.email)
    assert mail["Subject"] == "Establezca una nueva contraseña de Aclara"
    link = reset_link(mail)
    row = session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert link.rsplit("/", 1)[1] not in row.token_hash  # only the hash is kept

    anonymous = app.test_client()
    assert "Nueva contraseña" in anonymous.get(link).get_data(as_text=True)
    mismatch = anonymous.post(link, data={"password": NEW_PASSWORD, "confirm": "otra cosa"})
    assert "no son iguales" in mismatch.get_data(as_text=True)
    done = anonymous.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert other_browser.get("/tickets").status_code == 302  # its session ended
    assert sign_in(anonymous, user.email, PASSWORD).status_code == 200
    assert sign_in(anonymous, user.email, NEW_PASSWORD).status_code == 302
    done_events = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "users", AuditEvent.object_id == user.id
        )
    ).all()
    assert "user.password_reset_sent" in done_events and "user.password_reset" in done_events

    reused = app.test_client().get(link)
    assert reused.status_code == 410
    assert "ya se usó" in reused.get_data(as_text=True)


def test_an_expired_link_says_so(app, client, make):
    user = make.user("agent")
    client.post("/password/forgot", data={"email": user.email})
    link = reset_link(mails_to(app, user.email)[-1])
    with clock.freeze(FIXED_NOW + timedelta(minutes=61)):
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert "El enlace caducó" in response.get_data(as_text=True)
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200


def test_a_newer_link_replaces_the_older_one(app, client, make):
    user = make.user("agent")
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": user.email})
    first, second = (reset_link(m) for m in mails_to(app, user.email))
    assert "se envió un enlace más reciente" in client.get(first).get_data(as_text=True)
    assert client.get(second).status_code == 200
    assert client.get("/password/reset/nada-que-ver").status_code == 410


def test_forgot_password_answers_the_same_for_unknown_addresses(app, client, make):
    user = make.user("agent")
    login = client.get("/login").get_data(as_text=True)
    assert "/password/forgot" in login
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "nadie@cobranza.mx"}, follow_redirects=True
    )
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(mails_to(app, user.email)) == 1 and not mails_to(app, "nadie@cobranza.mx")


def test_forgot_password_is_rate_limited(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per 15 minutes")
    user = make.user("agent")
    for _ in range(2):
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 429


def test_a_deactivated_user_gets_no_link(app, client, make, signed_in):
    signed_in("admin")
    user = make.user("agent")
    client.post(f"/admin/users/{user.id}/active")
    client.post("/password/forgot", data={"email": user.email})
    client.post(f"/admin/users/{user.id}/reset-password")
    assert not mails_to(app, user.email)


def test_an_admin_changes_a_role_but_not_their_own(client, signed_in, make, session):
    admin = signed_in("admin")
    user = make.user("agent")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Enviar enlace para restablecer" in page and "Inicio de sesión en dos pasos" in page
    client.post(f"/admin/users/{user.id}/role", data={"role": "supervisor"})
    assert user.role == "supervisor"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert (event.before, event.after) == ({"role": "agent"}, {"role": "supervisor"})
    response = client.post(
        f"/admin/users/{admin.id}/role", data={"role": "agent"}, follow_redirects=True
    )
    assert admin.role == "admin" and "No puede cambiar su propio rol" in response.get_data(
        as_text=True
    )


def test_an_agent_cannot_change_roles_or_send_links(client, signed_in, make):
    signed_in("agent")
    user = make.user("agent")
    assert client.post(f"/admin/users/{user.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{user.id}/reset-password").status_code == 403
    assert user.role == "agent"


def test_without_smtp_in_production_the_link_is_not_written_anywhere(
    app, client, make, monkeypatch
):
    monkeypatch.setitem(app.config, "ENV", "production")
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    user = make.user("agent")
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302  # the page answers as always; the mail is logged failed
    assert not mails_to(app, user.email)
