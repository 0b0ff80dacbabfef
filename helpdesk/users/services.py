"""Writes on staff users. Services flush; the caller commits."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.config import is_supported_locale
from helpdesk.errors import FieldError
from helpdesk.signins import services as signins
from helpdesk.users.models import Role, User
from helpdesk.users.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password


class UserError(FieldError):
    """A user cannot be created or changed as asked; ``field`` names the culprit."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    actor: Actor,
    now: datetime,
    locale: str = "es_MX",
    timezone: str = "America/Mexico_City",
) -> User:
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise UserError("role", _l("Unknown role: %(role)s", role=role))
    if len(password) < MIN_LENGTH:
        raise UserError(
            "password", _l("The password must have at least %(n)d characters.", n=MIN_LENGTH)
        )
    if find_by_email(session, email) is not None:
        raise UserError("email", _l("A user with this email already exists."))
    _check_preferences(locale, timezone)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        locale=locale,
        timezone=timezone,
        created_at=now,
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.created", user, now=now, after={"email": email, "role": role})
    return user


def check_password(session: Session, email: str, password: str) -> User | None:
    """The active user with that email and password, or None (same time either way)."""
    user = find_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def complete_sign_in(session: Session, user: User, *, user_agent: str, now: datetime) -> None:
    """Every factor is in: open a sign-in for this browser and record it."""
    user.sign_in_token = signins.start(session, user_id=user.id, user_agent=user_agent, now=now)
    user.last_login_at = now
    record(session, Actor.for_user(user), "user.signed_in", user, now=now)


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The password is the only factor (scripts, tests): check it and sign in."""
    user = check_password(session, email, password)
    if user is not None:
        complete_sign_in(session, user, user_agent="", now=now)
    return user


def update_profile(
    session: Session,
    user: User,
    *,
    name: str,
    locale: str,
    timezone: str,
    actor: Actor,
    now: datetime,
    signature: str | None = None,
) -> None:
    _check_preferences(locale, timezone)

    def snapshot() -> dict[str, str]:
        return {"name": user.name, "locale": user.locale, "timezone": user.timezone,
                "signature": user.signature}  # fmt: skip

    before = snapshot()
    user.name, user.locale, user.timezone = name.strip(), locale, timezone
    if signature is not None:
        user.signature = signature.strip()
    after = snapshot()
    if before != after:
        record(session, actor, "user.profile_changed", user, now=now, before=before, after=after)


def _check_preferences(locale: str, timezone: str) -> None:
    if not is_supported_locale(locale):
        raise UserError("locale", _l("Unsupported language: %(locale)s", locale=locale))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("timezone", _l("Unknown time zone: %(zone)s", zone=timezone)) from None


def set_active(
    session: Session, user: User, is_active: bool, *, actor: Actor, now: datetime
) -> None:
    if user.is_active_user == is_active:
        return
    user.is_active_user = is_active
    user.session_token = secrets.token_hex(16)  # signs the user out everywhere
    record(
        session,
        actor,
        "user.activation_changed",
        user,
        now=now,
        before={"active": not is_active},
        after={"active": is_active},
    )


def set_role(session: Session, user: User, role: str, *, actor: Actor, now: datetime) -> None:
    if role not in {r.value for r in Role}:
        raise UserError("role", _l("Unknown role: %(role)s", role=role))
    if actor.user_id == user.id:
        raise UserError("role", _l("You cannot change your own role."))
    if user.role == role:
        return
    before = {"role": user.role}
    user.role = role
    record(session, actor, "user.role_changed", user, now=now, before=before, after={"role": role})


def load_session_user(session: Session, user_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session token>:<sign-in token>"`` -> the user, while
    the session token is current (changed on deactivation: out everywhere) and that
    sign-in is still open (ended by signing out: out in this browser, copies included)."""
    ident, _, rest = user_id.partition(":")
    token, _, sign_in_token = rest.partition(":")
    if not ident.isdigit():
        return None
    user = session.get(User, int(ident))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    if signins.find_active(session, sign_in_token, user_id=user.id) is None:
        return None
    user.sign_in_token = sign_in_token
    return user
