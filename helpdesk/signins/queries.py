from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.signins.models import SignIn


def open_for_user(session: Session, user_id: int) -> Sequence[SignIn]:
    """A user's open sign-ins, newest first (the security page lists them)."""
    return session.scalars(
        select(SignIn)
        .where(SignIn.user_id == user_id, SignIn.revoked_at.is_(None))
        .order_by(SignIn.created_at.desc(), SignIn.id.desc())
    ).all()
