"""API tokens: made once (printed, never stored), checked by hash, scoped, expiring.

Tokens are 256 random bits, so a plain SHA-256 is the right hash: there is nothing to
brute-force, and checking must be fast on every API call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.tokens.models import ApiToken

SCOPES = ("accounts:read", "accounts:write", "tickets:read", "tickets:write")
PREFIX = "acl_"


class TokenError(ValueError):
    pass


@dataclass(frozen=True)
class Verdict:
    token: ApiToken | None
    problem: str | None  # "missing", "invalid", "expired", "revoked"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
    actor: Actor,
    now: datetime,
) -> tuple[ApiToken, str]:
    """A new token row and the secret (shown once)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise TokenError(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} already exists")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=secret[:12],
        token_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "api_token.created",
        token,
        now=now,
        after={"name": name, "scopes": token.scopes},
    )
    return token, secret


def verify(session: Session, header: str | None, *, now: datetime) -> Verdict:
    """Check an ``Authorization`` header value."""
    scheme, _, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return Verdict(None, "missing")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret.strip())))
    if token is None:
        return Verdict(None, "invalid")
    if token.revoked_at is not None:
        return Verdict(None, "revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return Verdict(None, "expired")
    token.last_used_at = now
    return Verdict(token, None)


def revoke(session: Session, token: ApiToken, *, actor: Actor, now: datetime) -> None:
    token.revoked_at = now
    record(session, actor, "api_token.revoked", token, now=now, after={"name": token.name})
