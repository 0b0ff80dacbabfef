"""Fixtures of the API tests: a token with every scope, and a client that sends it."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.tokens.services import SCOPES, create_token


@pytest.fixture
def token(session) -> str:
    _row, secret = create_token(
        session,
        name="cobranza",
        scopes=list(SCOPES),
        expires_in_days=None,
        actor=Actor.system("test"),
        now=clock.now(),
    )
    return secret


@pytest.fixture
def api(client, token):
    """``api.put(path, json=…)`` etc. with the bearer token."""

    class Api:
        def __getattr__(self, method: str):
            def call(path: str, **kwargs: Any):
                headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
                return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

            return call

    return Api()
