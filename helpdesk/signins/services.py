"""Start, find and end sign-ins. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.signins.models import SignIn


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session,
    *,
    now: datetime,
    user_id: int | None = None,
    contact_id: int | None = None,
    user_agent: str = "",
) -> str:
    """A new sign-in for a user or a debtor; returns the token for the cookie."""
    token = secrets.token_urlsafe(24)
    session.add(
        SignIn(
            token_hash=_digest(token),
            user_id=user_id,
            contact_id=contact_id,
            user_agent=user_agent[:200],
            created_at=now,
        )
    )
    session.flush()
    return token


def find_active(
    session: Session, token: str, *, user_id: int | None = None, contact_id: int | None = None
) -> SignIn | None:
    """The sign-in behind ``token`` if it is still open and belongs to that person."""
    if not token:
        return None
    sign_in = session.scalar(select(SignIn).where(SignIn.token_hash == _digest(token)))
    if sign_in is None or sign_in.revoked_at is not None:
        return None
    if sign_in.user_id != user_id or sign_in.contact_id != contact_id:
        return None
    return sign_in


def end(session: Session, token: str, *, now: datetime) -> None:
    """Sign-out: this browser's session stops working, on every server at once."""
    session.execute(
        update(SignIn)
        .where(SignIn.token_hash == _digest(token), SignIn.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_for_user(
    session: Session,
    user_id: int,
    *,
    now: datetime,
    keep: str | None = None,
    sign_in_id: int | None = None,
) -> int:
    """End a user's sign-ins: one (``sign_in_id``), or all but the one holding ``keep``."""
    statement = update(SignIn).where(SignIn.user_id == user_id, SignIn.revoked_at.is_(None))
    if sign_in_id is not None:
        statement = statement.where(SignIn.id == sign_in_id)
    if keep:
        statement = statement.where(SignIn.token_hash != _digest(keep))
    return session.execute(statement.values(revoked_at=now)).rowcount


def is_current(sign_in: SignIn, token: str) -> bool:
    return secrets.compare_digest(sign_in.token_hash, _digest(token))


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))  # fmt: skip


def describe_user_agent(user_agent: str) -> str:
    """ "Chrome · Windows" from a User-Agent header, enough to recognise one's own
    browsers in a list (order matters: Edge and Opera also say Chrome, Chrome says Safari)."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or "?"
