"""The portal's session is its own cookie with its own idle timeout: no staff page opens
with a portal session, and no portal page with a staff one."""

from __future__ import annotations

from datetime import timedelta

from helpdesk import clock


def cookie(client, name: str, path: str = "/") -> str | None:
    found = client.get_cookie(name, path=path)
    return found.value if found else None


def test_the_portal_signs_in_with_its_own_cookie_on_its_own_path(app, client, make,
                                                                  portal_sign_in):
    portal_sign_in(make.contact())
    assert cookie(client, "aclara_portal", "/portal")
    assert cookie(client, "aclara_session") is None  # the staff cookie was never set
    assert client.get("/tickets").headers["Location"].startswith("/login")


def test_a_portal_cookie_under_the_staff_name_opens_no_staff_page(app, client, make,
                                                                 portal_sign_in):
    portal_sign_in(make.contact())
    value = cookie(client, "aclara_portal", "/portal")
    client.set_cookie("aclara_session", value, path="/")
    response = client.get("/tickets")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_staff_session_opens_no_portal_page(app, client, signed_in):
    signed_in("agent")
    assert client.get("/tickets").status_code == 200
    assert client.get("/portal/").headers["Location"] == "/portal/login"
    staff = cookie(client, "aclara_session")
    client.set_cookie("aclara_portal", staff, path="/portal")
    assert client.get("/portal/").headers["Location"] == "/portal/login"


def test_both_sessions_live_side_by_side(app, client, make, signed_in, portal_sign_in):
    signed_in("agent")
    contact = make.contact()
    portal_sign_in(contact)
    assert contact.name in client.get("/portal/").get_data(as_text=True)
    assert client.get("/tickets").status_code == 200  # the agent is still signed in


def test_the_portal_session_ends_after_its_idle_time(app, client, make, portal_sign_in):
    assert app.config["PORTAL_IDLE_MINUTES"] == 30
    contact = make.contact()
    portal_sign_in(contact)
    start = clock.now()
    with clock.freeze(start + timedelta(minutes=29)):
        assert client.get("/portal/").status_code == 200  # a request keeps it alive
    with clock.freeze(start + timedelta(minutes=58)):
        assert client.get("/portal/").status_code == 200
    with clock.freeze(start + timedelta(minutes=89)):
        assert client.get("/portal/").headers["Location"] == "/portal/login"
