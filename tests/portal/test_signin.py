"""Sign-in with a one-time code: mailed, hashed, tried at most five times, used once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpdesk import clock
from helpdesk.portal.models import PortalCode
from tests.portal.conftest import code_from, code_mails_to, mails_to

NEUTRAL = "Si esa dirección está registrada, le enviamos un código."


def request_code(app, client, contact) -> str:
    response = client.post("/portal/login", data={"email": contact.email.upper()})
    assert response.status_code == 302 and response.headers["Location"] == "/portal/verify"
    return code_from(code_mails_to(app, contact.email)[-1])


def verify(client, code):
    return client.post("/portal/verify", data={"code": code})


def test_sign_in_page_is_spanish(client):
    page = client.get("/portal/login").get_data(as_text=True)
    assert "Enviarme un código" in page and '<html lang="es"' in page


def test_the_mailed_code_signs_the_debtor_in(app, client, session, make):
    contact = make.contact()
    code = request_code(app, client, contact)
    stored = session.scalar(select(PortalCode).where(PortalCode.contact_id == contact.id))
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at == clock.now() + timedelta(minutes=10)

    page = client.get("/portal/verify", follow_redirects=True).get_data(as_text=True)
    assert NEUTRAL in page
    response = verify(client, code)
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    page = client.get("/portal/").get_data(as_text=True)
    assert contact.name in page and "Cerrar sesión" in page


def test_sign_out_ends_the_portal_session(app, client, make, portal_sign_in):
    portal_sign_in(make.contact())
    assert client.post("/portal/logout").status_code == 302
    assert client.get("/portal/").headers["Location"] == "/portal/login"


def test_a_portal_cookie_copied_before_sign_out_stops_working(app, client, make, portal_sign_in):
    portal_sign_in(make.contact())
    copy = app.test_client()
    for cookie in client._cookies.values():
        copy.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert copy.get("/portal/").status_code == 200

    assert client.post("/portal/logout").status_code == 302
    assert copy.get("/portal/").headers["Location"] == "/portal/login"


def test_a_wrong_code_says_so_and_counts(app, client, session, make):
    contact = make.contact()
    code = request_code(app, client, contact)
    wrong = "000000" if code != "000000" else "111111"
    response = verify(client, wrong)
    assert "Ese código no es correcto." in response.get_data(as_text=True)
    stored = session.scalar(select(PortalCode).where(PortalCode.contact_id == contact.id))
    session.refresh(stored)
    assert stored.attempts == 1
    assert verify(client, code).status_code == 302  # still good after one slip


def test_five_wrong_attempts_void_the_code(app, client, make):
    contact = make.contact()
    code = request_code(app, client, contact)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        page = verify(client, wrong).get_data(as_text=True)
    assert "ya no sirve" in page
    page = verify(client, code).get_data(as_text=True)
    assert "ya no sirve" in page
    assert client.get("/portal/").status_code == 302


def test_an_expired_code_is_refused(app, client, make):
    contact = make.contact()
    code = request_code(app, client, contact)
    with clock.freeze(clock.now() + timedelta(minutes=10, seconds=1)):
        page = verify(client, code).get_data(as_text=True)
    assert "Este código caducó." in page
    assert client.get("/portal/").status_code == 302


def test_a_used_code_cannot_be_used_again(app, client, make):
    contact = make.contact()
    code = request_code(app, client, contact)
    assert verify(client, code).status_code == 302
    client.post("/portal/logout")
    client.post("/portal/login", data={"email": "otra@correo.mx"})  # a pending address again
    with client.session_transaction() as http_session:
        http_session["portal_pending_address"] = contact.email
    assert "Ese código no es correcto." in verify(client, code).get_data(as_text=True)


def test_a_new_code_voids_the_previous_one(app, client, make):
    contact = make.contact()
    first = request_code(app, client, contact)
    second = request_code(app, client, contact)
    assert len(code_mails_to(app, contact.email)) == 2
    if first != second:  # one time in a million they are the same six digits
        assert "Ese código no es correcto." in verify(client, first).get_data(as_text=True)
    assert verify(client, second).status_code == 302


def test_an_unknown_address_gets_the_same_page_and_no_mail(app, client, make):
    known = make.contact()
    answers = []
    for address in (known.email, "nadie@ejemplo.mx"):
        response = client.post("/portal/login", data={"email": address}, follow_redirects=True)
        answers.append(response.get_data(as_text=True).replace(address, "ADDRESS"))
    assert answers[0] == answers[1] and NEUTRAL in answers[0]
    assert mails_to(app, "nadie@ejemplo.mx") == []
    assert len(mails_to(app, known.email)) == 1


def test_code_requests_are_rate_limited_per_address(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CODE_RATE_LIMIT", "3 per 15 minutes")
    contact = make.contact()
    for _ in range(3):
        assert client.post("/portal/login", data={"email": contact.email}).status_code == 302
    response = client.post("/portal/login", data={"email": contact.email})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)
    assert client.post("/portal/login", data={"email": "otra@correo.mx"}).status_code == 302


def test_code_requests_are_rate_limited_per_ip(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_CODE_IP_RATE_LIMIT", "2 per 15 minutes")
    for n in range(2):
        client.post("/portal/login", data={"email": f"persona{n}@correo.mx"})
    assert client.post("/portal/login", data={"email": "x@correo.mx"}).status_code == 429


def test_verification_attempts_are_rate_limited_per_ip(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_VERIFY_RATE_LIMIT", "3 per 15 minutes")
    contact = make.contact()
    request_code(app, client, contact)
    for _ in range(3):
        verify(client, "123456")
    assert verify(client, "123456").status_code == 429


def test_log_lines_mask_the_address(app, client, make, caplog):
    contact = make.contact()
    caplog.set_level("INFO")
    client.post("/portal/login", data={"email": contact.email})
    client.post("/portal/login", data={"email": "nadie@ejemplo.mx"})
    assert "portal" in caplog.text
    assert contact.email not in caplog.text and "nadie@ejemplo.mx" not in caplog.text


def test_a_post_without_the_csrf_token_is_refused(client, make, csrf_enabled):
    contact = make.contact()
    response = client.post("/portal/login", data={"email": contact.email})
    assert response.status_code == 400
    assert "El formulario caducó" in response.get_data(as_text=True)


def test_the_code_mail_is_a_mail_queue_job_that_never_holds_the_code_in_clear(
    app, client, make, monkeypatch
):
    from helpdesk.portal import mail

    jobs = []
    monkeypatch.setattr(mail, "enqueue", lambda *args, **kwargs: jobs.append((args, kwargs)))
    contact = make.contact()
    client.post("/portal/login", data={"email": contact.email})
    assert code_mails_to(app, contact.email) == []  # nothing sent inside the request
    [(args, kwargs)] = jobs
    assert kwargs == {"queue": "mail"} and args[0] is mail.send_code_job

    assert mail.send_code_job(*args[1:]) is True  # what the worker runs
    code = code_from(code_mails_to(app, contact.email)[-1])
    assert not any(code in str(arg) for arg in args[1:])
    assert verify(client, code).headers["Location"] == "/portal/"
