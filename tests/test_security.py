"""Deny by default: every page but the public ones needs a signed-in member of staff."""

from __future__ import annotations

# Webhooks authenticate by signature, not by sign-in (tests/channels/whatsapp/).
# Webhooks authenticate by signature; the API document is public (the API itself is not).
PUBLIC_ENDPOINTS = {
    "static",
    # Load balancers ask these without a session (tests/test_health.py).
    "health.liveness",
    "health.readiness_check",
    "auth.login",
    # A forgotten password: asked for by address, set through the emailed link
    # (tests/admin/test_password_reset.py).
    "auth.password_forgot",
    "auth.password_reset",
    "webhooks.whatsapp_verify",
    "webhooks.whatsapp_receive",
    "api.openapi_document",
    # The debtor portal's sign-in (a one-time code by email); tests/portal/ checks the rest.
    "portal.login",
    "portal.code_verify",
    # The branding's logo and colours, shown on the portal's sign-in page; nothing
    # personal (tests/portal/test_branding.py).
    "brand.logo",
    "brand.theme",
    # Rating a resolved case from the emailed link: the signed token names one resolution
    # (an altered one is a 404: tests/ratings/).
    "ratings.rate",
    "ratings.thanks",
    # The public web form; its confirmation and acuse need a signed token for one ticket
    # (a guessed or altered one is a 404: tests/webform/).
    "webform.contact",
    "webform.sent",
    "webform.acuse",
    # Choosing where the code goes, and account number plus one fact
    # (tests/portal/test_whatsapp_code.py, test_account_signin.py); magic links and their
    # fallback page (tests/portal/test_magic_links.py).
    "portal.code_choose",
    "portal.login_account",
    "portal.link_open",
    "portal.link_use",
    "portal.link_fallback",
}


def sample_url(rule) -> str:
    def number(arg: str) -> bool:
        return "id" in arg or type(rule._converters.get(arg)).__name__ == "IntegerConverter"

    values = {arg: 1 if number(arg) else "ACL-2026-000001" for arg in rule.arguments}
    return rule.build(values)[1] if rule.arguments else rule.rule


def test_every_non_public_endpoint_refuses_anonymous_users(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = sample_url(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (method, url)
            checked += 1
    assert checked >= 8


def test_unknown_folio_is_a_spanish_404_page(client, signed_in):
    signed_in()
    response = client.get("/tickets/ACL-2026-999999")
    assert response.status_code == 404
    assert "No encontramos esa página." in response.get_data(as_text=True)


def test_security_headers_are_set(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_unexpected_errors_render_a_friendly_500(app, client, signed_in, monkeypatch):
    from helpdesk.inbox import queries

    signed_in()

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "ticket_page", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/tickets")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Algo salió mal de nuestro lado." in page and "boom" not in page
