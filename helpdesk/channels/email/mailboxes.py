"""Mailboxes: the IMAP folders we read and the SMTP accounts we answer with.

Passwords are never stored in clear. Either the mailbox names an environment variable
that holds the password (``*_password_env``), or the password is kept sealed with the
app's key (``helpdesk.secrets``). Changing ``SECRET_KEY`` therefore makes stored
passwords unreadable: set them again (``helpdesk mailbox add`` on a new name, or an env
variable). Passwords are never logged nor written to the audit trail.

Services flush; the caller commits.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.channels.email.models import Mailbox
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.secrets import SecretError, seal, unseal

SECURITY_MODES = ("ssl", "starttls", "none")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


class MailboxError(FieldError):
    """A mailbox cannot be created or used as asked; ``field`` names the culprit."""


# --- Passwords ------------------------------------------------------------------------


def encrypt_password(password: str, *, secret_key: str) -> str:
    return seal(password, secret_key=secret_key)


def decrypt_password(token: str, *, secret_key: str) -> str:
    try:
        return unseal(token, secret_key=secret_key)
    except SecretError:
        raise MailboxError(
            "password", "cannot decrypt the stored password (was HELPDESK_SECRET_KEY changed?)"
        ) from None


def imap_password(mailbox: Mailbox, *, secret_key: str) -> str:
    """The IMAP password, from its environment variable or decrypted with the app's
    ``secret_key``; MailboxError if none."""
    password = _resolve(mailbox.imap_password_env, mailbox.imap_password_encrypted, secret_key)
    if password is None:
        raise MailboxError("password", f"mailbox {mailbox.name} has no IMAP password")
    return password


def smtp_password(mailbox: Mailbox, *, secret_key: str) -> str | None:
    """The SMTP password, or None when the account needs none."""
    return _resolve(mailbox.smtp_password_env, mailbox.smtp_password_encrypted, secret_key)


def _resolve(env_name: str | None, encrypted: str | None, secret_key: str) -> str | None:
    if env_name:
        value = os.environ.get(env_name)
        if value is None:
            raise MailboxError("password", f"environment variable {env_name} is not set")
        return value
    return decrypt_password(encrypted, secret_key=secret_key) if encrypted else None


# --- Writes ---------------------------------------------------------------------------


def add_mailbox(
    session: Session,
    *,
    name: str,
    email_address: str,
    imap_host: str,
    imap_port: int,
    imap_security: str,
    imap_user: str,
    password: str | None = None,
    password_env: str | None = None,
    folder: str = "INBOX",
    processed_folder: str | None = None,
    queue: Queue | str | None = None,
    smtp_host: str | None = None,
    smtp_port: int = 587,
    smtp_security: str = "starttls",
    smtp_user: str | None = None,
    smtp_password: str | None = None,
    smtp_password_env: str | None = None,
    secret_key: str,
    actor: Actor,
    now: datetime,
) -> Mailbox:
    """Validate and add a mailbox (passwords encrypted); raise MailboxError(field, message)."""
    name, email_address = name.strip(), email_address.strip().lower()
    _check_identity(session, name, email_address)
    _check_server("imap", imap_host, imap_port, imap_security)
    _check_password("password", password, password_env, required=True)
    if smtp_host:
        _check_server("smtp", smtp_host, smtp_port, smtp_security)
    _check_password("smtp_password", smtp_password, smtp_password_env, required=False)
    _check_folders(folder, processed_folder)
    mailbox = Mailbox(
        name=name,
        email_address=email_address,
        queue=_queue(session, queue),
        imap_host=imap_host.strip(),
        imap_port=imap_port,
        imap_security=imap_security,
        imap_user=imap_user,
        imap_password_env=password_env or None,
        imap_password_encrypted=(
            encrypt_password(password, secret_key=secret_key) if password else None
        ),
        folder=folder,
        processed_folder=processed_folder or None,
        smtp_host=smtp_host or None,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        smtp_user=smtp_user or None,
        smtp_password_env=smtp_password_env or None,
        smtp_password_encrypted=(
            encrypt_password(smtp_password, secret_key=secret_key) if smtp_password else None
        ),
        created_at=now,
    )
    session.add(mailbox)
    session.flush()
    record(session, actor, "mailbox.created", mailbox, now=now, after=_public_fields(mailbox))
    return mailbox


def _check_identity(session: Session, name: str, email_address: str) -> None:
    if not name or len(name) > 80:
        raise MailboxError("name", "the name must have 1 to 80 characters")
    if session.scalar(select(Mailbox.id).where(Mailbox.name == name)) is not None:
        raise MailboxError("name", f"a mailbox named {name} already exists")
    local, _, domain = email_address.partition("@")
    if not local or "." not in domain or len(email_address) > 254 or " " in email_address:
        raise MailboxError("email_address", f"not an email address: {email_address!r}")


def _check_server(kind: str, host: str, port: int, security: str) -> None:
    if not host or not host.strip() or len(host) > 255:
        raise MailboxError(f"{kind}_host", f"the {kind.upper()} host is missing")
    if not 1 <= port <= 65535:
        raise MailboxError(f"{kind}_port", f"the {kind.upper()} port must be 1 to 65535")
    if security not in SECURITY_MODES:
        modes = ", ".join(SECURITY_MODES)
        raise MailboxError(f"{kind}_security", f"security must be one of {modes}")
    if security == "none" and not is_loopback(host):
        raise MailboxError(
            f"{kind}_security",
            f"security 'none' sends the password in clear: only allowed for a loopback host, "
            f"not {host}",
        )


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 — the only hosts we talk to without TLS."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_password(field: str, password: str | None, env: str | None, *, required: bool) -> None:
    if password and env:
        raise MailboxError(field, "give the password or its environment variable, not both")
    if required and not (password or env):
        raise MailboxError(field, "give the password or the environment variable that holds it")
    if env and not _ENV_NAME.fullmatch(env):
        raise MailboxError(field, f"not an environment variable name: {env!r}")


def _check_folders(folder: str, processed_folder: str | None) -> None:
    if not folder or len(folder) > 255:
        raise MailboxError("folder", "the folder name must have 1 to 255 characters")
    if processed_folder is not None and not 0 < len(processed_folder) <= 255:
        raise MailboxError("processed_folder", "the folder name must have 1 to 255 characters")
    if processed_folder == folder:
        raise MailboxError("processed_folder", "the processed folder must differ from the folder")


def _queue(session: Session, queue: Queue | str | None) -> Queue | None:
    if queue is None or isinstance(queue, Queue):
        return queue
    found = session.scalar(select(Queue).where(or_(Queue.name == queue, Queue.slug == queue)))
    if found is None:
        raise MailboxError("queue", f"no queue named {queue}")
    return found


def _public_fields(mailbox: Mailbox) -> dict[str, Any]:
    """What the audit trail keeps: everything but the passwords."""
    return {
        "name": mailbox.name,
        "email_address": mailbox.email_address,
        "imap": f"{mailbox.imap_user}@{mailbox.imap_host}:{mailbox.imap_port}",
        "imap_security": mailbox.imap_security,
        "password_env": mailbox.imap_password_env,
        "folder": mailbox.folder,
        "processed_folder": mailbox.processed_folder,
        "queue_id": mailbox.queue_id,
        "smtp_host": mailbox.smtp_host,
    }


# --- Reads ----------------------------------------------------------------------------


def all_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.name)))


def mailbox_by_name(session: Session, name: str) -> Mailbox | None:
    return session.scalar(select(Mailbox).where(Mailbox.name == name))


def due_mailbox_ids(session: Session, now: datetime) -> list[int]:
    """Active mailboxes whose backoff (if any) has expired."""
    return list(
        session.scalars(
            select(Mailbox.id)
            .where(
                Mailbox.is_active.is_(True),
                or_(Mailbox.next_attempt_at.is_(None), Mailbox.next_attempt_at <= now),
            )
            .order_by(Mailbox.id)
        )
    )


def mailbox_summary(mailbox: Mailbox) -> dict[str, Any]:
    """The row ``helpdesk mailbox list`` prints (no secrets)."""
    return {
        "name": mailbox.name,
        "address": mailbox.email_address,
        "host": f"{mailbox.imap_host}:{mailbox.imap_port}",
        "security": mailbox.imap_security,
        "folder": mailbox.folder,
        "processed_folder": mailbox.processed_folder,
        "queue": mailbox.queue.name if mailbox.queue else None,
        "active": mailbox.is_active,
        "last_success_at": _iso(mailbox.last_success_at),
        "last_error": mailbox.last_error,
        "failures": mailbox.consecutive_failures,
        "next_attempt_at": _iso(mailbox.next_attempt_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
