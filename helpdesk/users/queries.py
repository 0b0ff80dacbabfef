"""Reads on staff users for the admin screens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.users.models import User


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def staff_by_name(session: Session) -> list[User]:
    """Every staff member, by name (the audit log's "who" filter)."""
    return list(session.scalars(select(User).order_by(User.name)))


def user_by_id(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id else None


def names_by_email(session: Session, emails: set[str]) -> dict[str, str]:
    """Staff emails -> the names people know them by (the timeline's assignees)."""
    if not emails:
        return {}
    rows = session.execute(select(User.email, User.name).where(User.email.in_(emails)))
    return {email: name or email for email, name in rows}
