"""How a staff sign-in is completed, shared by the password step and the second step.

Between the two steps the session holds only who passed the password (and when): no
identity until the second factor is in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import request, session
from flask_login import login_user

from helpdesk.extensions import db
from helpdesk.users.models import User
from helpdesk.users.queries import user_by_id
from helpdesk.users.services import complete_sign_in

PENDING_KEY = "staff_pending_sign_in"
PENDING_FOR = timedelta(minutes=10)


def remember_pending(user: User, *, remember: bool, next_url: str | None, now: datetime) -> None:
    session[PENDING_KEY] = {
        "user": user.id,
        "token": user.session_token,
        "remember": remember,
        "next": next_url,
        "at": now.isoformat(),
    }


def pending_user(now: datetime) -> User | None:
    """The user who passed the password step in this browser in the last ten minutes."""
    pending: dict[str, Any] | None = session.get(PENDING_KEY)
    if not pending or datetime.fromisoformat(pending["at"]) + PENDING_FOR < now:
        return None
    user = user_by_id(db.session, pending["user"])
    if user is None or not user.is_active or user.session_token != pending["token"]:
        return None
    return user


def pending_next() -> str | None:
    return (session.get(PENDING_KEY) or {}).get("next")


def finish(user: User, *, now: datetime, remember: bool | None = None) -> None:
    """Open a server-side sign-in, commit, and give this browser the session."""
    if remember is None:
        remember = bool((session.get(PENDING_KEY) or {}).get("remember"))
    session.pop(PENDING_KEY, None)
    complete_sign_in(db.session, user, user_agent=request.user_agent.string, now=now)
    db.session.commit()
    login_user(user, remember=remember)
