"""Bearer-token authentication and scopes for the API (checked before every view)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from blueprints.api.errors import ApiError
from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.tokens.services import verify

PUBLIC_ENDPOINTS = {"api.openapi_document"}
PROBLEMS = {
    "missing": "send an Authorization: Bearer <token> header",
    "invalid": "the token is not valid",
    "expired": "the token has expired",
    "revoked": "the token was revoked",
}


def authenticate() -> None:
    """``before_request``: every API endpoint but the document needs a valid token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    limit = _body_limit()
    request.max_content_length = limit  # also stops chunked bodies without a length
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "body_too_large", f"the body may have at most {limit} bytes")
    verdict = verify(db.session, request.headers.get("Authorization"), now=clock.now())
    if verdict.token is None:
        raise ApiError(401, "unauthorized", PROBLEMS[verdict.problem or "invalid"])
    g.api_token = verdict.token
    db.session.commit()  # last_used_at


def _body_limit() -> int:
    config = current_app.config
    batch = request.endpoint == "api.accounts_batch"
    return config["API_MAX_BATCH_BYTES"] if batch else config["API_MAX_BODY_BYTES"]


def require_scope(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if scope not in g.api_token.scopes:
                raise ApiError(403, "forbidden", f"the token lacks the {scope!r} scope")
            return view(*args, **kwargs)

        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorator
