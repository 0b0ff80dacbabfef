"""Staff two-factor sign-in: TOTP (RFC 6238, any authenticator app) and ten single-use
recovery codes; an admin may require it for a role. Services flush; the caller commits.

The secret is sealed with the app's key like every stored credential. A code is good for
its 30-second step and the steps either side (phones drift), once: the last step used is
kept, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.secrets import seal, unseal
from helpdesk.users.models import RecoveryCode, Role, RolePolicy, User

ISSUER = "Aclara"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(FieldError):
    """Two-factor cannot be changed as asked; ``field`` names the culprit."""


# --- Enrolment ------------------------------------------------------------------------


def start_enrolment(session: Session, user: User, *, secret_key: str) -> str:
    """A fresh secret for the user's authenticator, kept until a code proves it."""
    if user.has_two_factor:
        raise TwoFactorError("code", _l("Two-step sign-in is already on."))
    secret = pyotp.random_base32()
    user.totp_secret = seal(secret, secret_key=secret_key)
    session.flush()
    return secret


def pending_secret(user: User, *, secret_key: str) -> str | None:
    if user.totp_secret is None or user.has_two_factor:
        return None
    return unseal(user.totp_secret, secret_key=secret_key)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The otpauth URI as an SVG data URI, drawn here: the secret never leaves the server."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(
    session: Session, user: User, code: str, *, secret_key: str, actor: Actor, now: datetime
) -> list[str]:
    """Turn two-step sign-in on with the first good code; returns the recovery codes,
    which are shown once."""
    secret = pending_secret(user, secret_key=secret_key)
    if secret is None:
        raise TwoFactorError("code", _l("Start again: scan a new code."))
    if not _accept_totp(user, secret, code, now):
        raise TwoFactorError("code", _l("That code is not right. Check the time on your phone."))
    user.totp_enabled_at = now
    record(session, actor, "user.two_factor_enabled", user, now=now)
    return new_recovery_codes(session, user, actor=actor, now=now)


def disable(
    session: Session, user: User, code: str, *, secret_key: str, actor: Actor, now: datetime
) -> None:
    if not user.has_two_factor:
        return
    if is_required(session, user):
        raise TwoFactorError("code", _l("Your role requires two-step sign-in."))
    if not verify(session, user, code, secret_key=secret_key, now=now):
        raise TwoFactorError("code", _l("That code is not right."))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(session, actor, "user.two_factor_disabled", user, now=now)


# --- Signing in -----------------------------------------------------------------------


def verify(session: Session, user: User, code: str, *, secret_key: str, now: datetime) -> bool:
    """A six-digit code from the authenticator, or an unused recovery code (used up)."""
    if not user.has_two_factor or user.totp_secret is None:
        return False
    typed = "".join(code.split()).replace("-", "").lower()
    if typed.isdigit():
        secret = unseal(user.totp_secret, secret_key=secret_key)
        return _accept_totp(user, secret, typed, now)
    return _use_recovery_code(session, user, typed, now)


def _accept_totp(user: User, secret: str, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp, current = pyotp.TOTP(secret), int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if step > (user.totp_last_step or 0) and hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _use_recovery_code(session: Session, user: User, typed: str, now: datetime) -> bool:
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(typed),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    record(session, Actor.for_user(user), "user.recovery_code_used", user, now=now)
    return True


def new_recovery_codes(session: Session, user: User, *, actor: Actor, now: datetime) -> list[str]:
    """Ten new codes (``xxxxx-xxxxx``); the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    session.flush()
    record(session, actor, "user.recovery_codes_created", user, now=now)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def unused_recovery_codes(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# --- What admins require --------------------------------------------------------------


def required_roles(session: Session) -> set[str]:
    return set(session.scalars(select(RolePolicy.role).where(RolePolicy.requires_two_factor)).all())


def is_required(session: Session, user: User) -> bool:
    return user.role in required_roles(session)


def _sign_out_unenrolled(session: Session, role: Role) -> None:
    """Who has the role but no second factor signs in again, and enrols on the way."""
    for user in session.scalars(
        select(User).where(User.role == role.value, User.totp_enabled_at.is_(None))
    ):
        user.session_token = secrets.token_hex(16)


def require_for_roles(
    session: Session, roles: Iterable[str], *, actor: Actor, now: datetime
) -> None:
    wanted = {Role(role).value for role in roles}
    policies = {p.role: p for p in session.scalars(select(RolePolicy))}
    for role in Role:
        policy = policies.get(role.value) or RolePolicy(role=role.value, requires_two_factor=False)
        required = role.value in wanted
        if policy.requires_two_factor == required and policy.id is not None:
            continue
        before = {"requires_two_factor": policy.requires_two_factor}
        if required and not policy.requires_two_factor:
            _sign_out_unenrolled(session, role)
        policy.requires_two_factor = required
        session.add(policy)
        session.flush()
        record(
            session, actor, "role.policy_changed", policy, now=now,
            before=before, after={"role": role.value, "requires_two_factor": required},
        )  # fmt: skip
