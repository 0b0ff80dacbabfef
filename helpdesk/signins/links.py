"""Magic links: a reminder or an agent's reply signs the debtor straight into the portal.

One row per link, bound to one contact; the link holds a random token and the row only
its HMAC under the app's key. A link works once (the first POST that marks it used wins,
even when two arrive together) and for 72 hours. Services flush; the caller commits.

Opening the link (GET) only shows a "Continue to your portal" button that POSTs: mail
scanners and link previews fetch every link in a message, and must not burn the one use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.signins.models import MagicLink

LIFETIME = timedelta(hours=72)
PATH = "/portal/link/"


@dataclass(frozen=True)
class LinkState:
    """What a token is: ``valid``, ``used``, ``expired`` or ``unknown`` (tampered or never
    issued: then there is no ``link``)."""

    status: str
    link: MagicLink | None = None


def issue(
    session: Session, contact_id: int, *, purpose: str, secret: str, now: datetime
) -> str:
    """A new link token for ``contact_id``; returned in clear (for the message only)."""
    token = secrets.token_urlsafe(32)
    session.add(
        MagicLink(
            contact_id=contact_id,
            token_hash=_digest(secret, token),
            purpose=purpose,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return token


def url_for_token(token: str, base: str) -> str:
    return f"{base.rstrip('/')}{PATH}{token}"


def inspect(session: Session, token: str, *, secret: str, now: datetime) -> LinkState:
    """What the token is, without using it (a GET may do this as often as it likes)."""
    if not token or len(token) > 100:
        return LinkState("unknown")
    digest = _digest(secret, token)
    link = session.scalar(select(MagicLink).where(MagicLink.token_hash == digest))
    # The lookup is by a keyed hash nobody can aim at; the comparison is constant-time
    # all the same.
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return LinkState("unknown")
    if link.used_at is not None:
        return LinkState("used", link)
    if link.expires_at <= now:
        return LinkState("expired", link)
    return LinkState("valid", link)


def use(session: Session, token: str, *, secret: str, now: datetime) -> LinkState:
    """Use the link: ``valid`` (with the link) at most once, whatever races it."""
    state = inspect(session, token, secret=secret, now=now)
    if state.status != "valid" or state.link is None:
        return state
    claimed = session.execute(
        update(MagicLink)
        .where(MagicLink.id == state.link.id, MagicLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return LinkState("used", state.link)
    session.refresh(state.link)
    return state


def link_by_id(session: Session, link_id: int) -> MagicLink | None:
    return session.get(MagicLink, link_id)


def _digest(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), f"magic-link:{token}".encode(), hashlib.sha256).hexdigest()


def link_for(
    session: Session,
    contact_id: int,
    *,
    purpose: str,
    secret: str,
    public_url: str | None,
    now: datetime,
) -> str | None:
    """A fresh link's full address, or None when the app's public address is unknown
    (a job without ``PUBLIC_URL`` cannot tell where the portal lives)."""
    base = public_url
    if not base and has_request_context():
        base = request.host_url
    if not base:
        return None
    return url_for_token(issue(session, contact_id, purpose=purpose, secret=secret, now=now), base)
