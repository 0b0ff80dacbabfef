"""API authentication: bearer tokens, hashed at rest, scoped, expiring."""

from __future__ import annotations

from datetime import timedelta

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.tokens.models import ApiToken
from helpdesk.tokens.services import create_token
from tests.api.helpers import account_body


def make_token(session, scopes, days=None):
    return create_token(
        session,
        name=f"t-{'-'.join(scopes)}-{days}",
        scopes=scopes,
        expires_in_days=days,
        actor=Actor.system("test"),
        now=clock.now(),
    )


def test_no_or_wrong_token_is_401_with_the_error_shape(client, session):
    for headers in ({}, {"Authorization": "Bearer acl_wrong"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/accounts/X", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_tokens_are_stored_hashed(session):
    row, secret = make_token(session, ["accounts:read"])
    assert secret.startswith("acl_") and secret not in row.token_hash
    assert session.get(ApiToken, row.id).prefix == secret[:12]


def test_an_expired_token_is_refused(client, session):
    _row, secret = make_token(session, ["accounts:read"], days=1)
    with clock.freeze(clock.now() + timedelta(days=2)):
        response = client.get("/api/v1/accounts/X", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"]


def test_a_token_without_the_scope_is_403(client, session):
    _row, secret = make_token(session, ["accounts:read"])
    response = client.put(
        "/api/v1/accounts/X", json=account_body(), headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 403
    assert "accounts:write" in response.get_json()["error"]["message"]


def test_the_openapi_document_is_public(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/accounts:batch" in document["paths"]
