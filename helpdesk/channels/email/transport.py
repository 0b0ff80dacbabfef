"""Where outgoing mail goes: an SMTP server, or (development only) an outbox folder."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit


class DeliveryError(Exception):
    """Mail could not be handed over; ``permanent`` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # ssl | starttls | none
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """``smtp://user:pass@host:587`` (STARTTLS), ``smtps://…:465`` (TLS) or
        ``smtp+plain://host:25`` (no TLS, loopback relays)."""
        parts = urlsplit(url)
        security = {"smtps": "ssl", "smtp": "starttls", "smtp+plain": "none"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError("HELPDESK_SMTP_URL must look like smtp://user:password@host:port")
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def send_smtp(
    mail: EmailMessage,
    settings: SmtpSettings,
    *,
    timeout: float = 30,
    before_sending: Callable[[], None] | None = None,
) -> None:
    """``before_sending`` runs once connected and logged in, right before ``MAIL FROM``:
    what fails before it provably sent nothing."""
    try:
        with _connect(settings, timeout) as smtp:
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            if before_sending is not None:
                before_sending()
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(_describe(error), permanent=all(c >= 500 for c in codes)) from error
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(_describe(error), permanent=error.smtp_code >= 500) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from error


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    if settings.security == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace')}"
            for rcpt, (code, msg) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"{error.smtp_code} {text}"
    return str(error)


def write_outbox(mail: EmailMessage, directory: Path) -> Path:
    """Development without a mail server: keep the message as a .eml file to read."""
    directory.mkdir(parents=True, exist_ok=True)
    name = (mail["Message-ID"] or "message").strip("<>").replace("/", "_")
    path = directory / f"{name}.eml"
    path.write_bytes(mail.as_bytes())
    return path
