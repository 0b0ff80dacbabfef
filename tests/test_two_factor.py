"""Staff two-step sign-in (TOTP and recovery codes), required per role; sign-ins that end
on the server, so a copied cookie stops working."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from tests.conftest import FIXED_NOW
from tests.factories import PASSWORD

SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture
def client(cookie_client):
    return cookie_client


def later(seconds: int):
    return clock.freeze(FIXED_NOW + timedelta(seconds=seconds))


def code_for(secret: str, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(FIXED_NOW + timedelta(seconds=seconds))


def enrol(client) -> tuple[str, list[str]]:
    """Through the security page, as a user would: read the key, type the code."""
    page = client.get("/account/security/two-step").get_data(as_text=True)
    assert '<img class="qr" src="data:image/svg+xml' in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    done = client.post("/account/security/two-step", data={"code": code_for(secret)})
    codes = RECOVERY.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def sign_out(client) -> None:
    assert client.post("/logout").status_code == 302


def password_step(client, user) -> str:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_with_two_step_on_the_password_alone_does_not_sign_in(client, signed_in):
    user = signed_in("agent")
    secret, _codes = enrol(client)
    sign_out(client)

    assert password_step(client, user) == "/login/code"
    assert client.get("/tickets").status_code == 302  # not signed in yet
    page = client.get("/login/code").get_data(as_text=True)
    assert "Verificar e iniciar sesión" in page

    with later(60):
        wrong = client.post("/login/code", data={"code": "000000"})
        assert "Ese código no es correcto" in wrong.get_data(as_text=True)
        right = client.post("/login/code", data={"code": code_for(secret, 60)})
    assert right.status_code == 302 and right.headers["Location"] == "/tickets"
    assert client.get("/tickets").status_code == 200


def test_a_code_works_once(client, signed_in):
    user = signed_in("agent")
    secret, _codes = enrol(client)  # used the code of FIXED_NOW's step
    sign_out(client)
    password_step(client, user)

    replay = client.post("/login/code", data={"code": code_for(secret)})
    assert replay.status_code == 200  # refused: the same step again
    assert client.get("/tickets").status_code == 302


def test_a_recovery_code_signs_in_once(client, signed_in, session):
    user = signed_in("agent")
    _secret, codes = enrol(client)
    sign_out(client)

    password_step(client, user)
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert client.get("/tickets").status_code == 200
    sign_out(client)

    password_step(client, user)
    reused = client.post("/login/code", data={"code": codes[3]})
    assert reused.status_code == 200 and client.get("/tickets").status_code == 302
    security_events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("user.%"))
    ).all()
    assert "user.two_factor_enabled" in security_events
    assert "user.recovery_code_used" in security_events


def test_the_second_step_expires_and_is_rate_limited(client, signed_in, app):
    user = signed_in("agent")
    secret, _codes = enrol(client)
    sign_out(client)
    password_step(client, user)
    with later(11 * 60):
        assert client.get("/login/code").headers["Location"] == "/login"

    password_step(client, user)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [
        client.post("/login/code", data={"code": "123456"}).status_code for _ in range(limit + 1)
    ]
    assert statuses[-1] == 429
    with later(30):
        assert client.post("/login/code", data={"code": code_for(secret, 30)}).status_code == 429


def test_a_required_role_enrols_at_sign_in(client, signed_in, make, session):
    admin = signed_in("admin")
    agent = make.user(role="agent")
    agent_client = client.application.test_client()
    password_step(agent_client, agent)
    assert agent_client.get("/tickets").status_code == 200  # not required yet: signed in

    saved = client.post("/admin/users/two-step", data={"roles": ["agent"]})
    assert saved.status_code == 302
    assert agent_client.get("/tickets").status_code == 302  # signed out by the requirement

    assert password_step(agent_client, agent) == "/login/code"
    assert agent_client.get("/login/code").headers["Location"] == "/login/setup"
    page = agent_client.get("/login/setup").get_data(as_text=True)
    assert "Su rol exige" in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    done = agent_client.post("/login/setup", data={"code": code_for(secret)})
    assert len(RECOVERY.findall(done.get_data(as_text=True))) == 10
    assert agent_client.get("/tickets").status_code == 200

    refused = agent_client.post(
        "/account/security/two-step/off", data={"code": code_for(secret, 30)}
    )
    assert refused.status_code == 303
    assert session.get(type(agent), agent.id).has_two_factor
    assert admin.has_two_factor is False  # admins were not required


def test_turning_two_step_off_needs_a_code(client, signed_in, session):
    user = signed_in("agent")
    secret, _codes = enrol(client)
    client.post("/account/security/two-step/off", data={"code": "999999"})
    assert user.has_two_factor
    with later(30):
        client.post("/account/security/two-step/off", data={"code": code_for(secret, 30)})
    assert not user.has_two_factor


def test_a_cookie_copied_before_sign_out_stops_working(client, signed_in):
    signed_in("agent")
    copy = client.application.test_client()
    for cookie in client._cookies.values():
        copy.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert copy.get("/tickets").status_code == 200

    sign_out(client)
    assert copy.get("/tickets").status_code == 302


def test_other_browsers_can_be_signed_out_from_the_security_page(client, signed_in, make):
    user = signed_in("agent")
    phone = client.application.test_client()
    password_step(phone, user)
    page = client.get("/account/security").get_data(as_text=True)
    assert page.count('class="sign-ins"') == 1 and "Este navegador" in page

    client.post("/account/security/sign-ins/end-others")
    assert phone.get("/tickets").status_code == 302
    assert client.get("/tickets").status_code == 200


def test_one_cannot_end_someone_elses_sign_in(client, signed_in, make, session):
    from helpdesk.signins.models import SignIn

    other = make.user(role="agent")
    password_step(client.application.test_client(), other)
    theirs = session.scalar(select(SignIn).where(SignIn.user_id == other.id))
    signed_in("admin")
    assert client.post(f"/account/security/sign-ins/{theirs.id}/end").status_code == 404
    assert theirs.revoked_at is None
