"""Password reset by a single-use emailed link. Services flush; the caller commits.

The token is 256 random bits in the link; only its SHA-256 is stored. A link lasts an
hour, works once, and a newer link for the same user ends the older ones. Setting the new
password changes the user's session token, which signs every browser out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.users.models import PasswordReset, User
from helpdesk.users.passwords import MIN_LENGTH, hash_password

LIFETIME = timedelta(hours=1)


class ResetError(ValueError):
    """The link cannot be used; ``reason`` is "invalid", "used", "superseded" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PasswordError(FieldError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User, *, actor: Actor, now: datetime) -> str:
    """A new link's token for ``user`` (older unused links stop working)."""
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + LIFETIME
    )
    session.add(reset)
    session.flush()
    record(session, actor, "user.password_reset_sent", user, now=now, after={"email": user.email})
    return token


def check(session: Session, token: str, *, now: datetime) -> PasswordReset:
    """The usable reset behind ``token``, or ResetError saying why not."""
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if reset is None or not reset.user.is_active_user:
        raise ResetError("invalid")
    if reset.used_at is not None:
        raise ResetError("used")
    if reset.superseded_at is not None:
        raise ResetError("superseded")
    if reset.expires_at <= now:
        raise ResetError("expired")
    return reset


def complete(session: Session, token: str, password: str, *, now: datetime) -> User:
    """Set the new password through the link, once; every session of the user ends."""
    reset = check(session, token, now=now)
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            "password", _l("The password must have at least %(n)d characters.", n=MIN_LENGTH)
        )
    claimed = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # another request used it a moment ago
        raise ResetError("used")
    user = reset.user
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)  # signs the user out everywhere
    record(session, Actor.for_user(user), "user.password_reset", user, now=now)
    return user
