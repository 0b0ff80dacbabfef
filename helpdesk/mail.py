"""Where outgoing mail goes: an SMTP server, or (development only) an outbox folder.

``deliver`` is the one path for the app's own mail (portal sign-in codes, staff
notifications, payment reminders): SMTP when ``HELPDESK_SMTP_URL`` is set, refused in
production without it, the development outbox (``DATA_DIR/outbox/*.eml``) otherwise.
The email channel uses ``send_smtp``/``write_outbox`` directly, with each queue's own
mailbox as the SMTP account.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from helpdesk.text import MAX_ADDRESS, MAX_NAME, MAX_SUBJECT, clean_line


class DeliveryError(Exception):
    """Mail could not be handed over; ``permanent`` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool, recipient_fault: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent
        # False when the address is fine but this server cannot take it (no SMTPUTF8).
        self.recipient_fault = recipient_fault


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


def deliver(message: EmailMessage, config: Mapping[str, Any]) -> Path | None:
    """Hand ``message`` over as the app's settings say (``SMTP_URL``, ``ENV``,
    ``DATA_DIR``): returns the outbox file in development, None when sent by SMTP.
    ``DeliveryError`` says whether trying again can help."""
    if config["SMTP_URL"]:
        send_smtp(message, SmtpSettings.from_url(config["SMTP_URL"]))
        return None
    if config["ENV"] == "production":
        raise DeliveryError("no SMTP server is configured", permanent=True)
    return write_outbox(message, Path(config["DATA_DIR"]) / "outbox")


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
            smtp.send_message(mail)  # SMTPUTF8 when an address needs it and the server offers it
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(
            "the address is internationalised (not ASCII) and the mail server does not offer "
            f"SMTPUTF8: {error}",
            permanent=True,
            recipient_fault=False,
        ) from error
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
    international = not all(str(mail.get(h, "")).isascii() for h in ("From", "To", "Cc"))
    path.write_bytes(mail.as_bytes(policy=mail.policy.clone(utf8=True)) if international
                     else mail.as_bytes())  # fmt: skip
    return path


def header_text(value: str | None, limit: int = MAX_SUBJECT) -> str:
    """A stored subject or name as header text: one line, and no ``=?`` that the header
    parser would take for an encoded word (an undecodable one was kept literally)."""
    return clean_line(value, limit).replace("=?", "= ?")


def address_header(name: str | None, address: str) -> str:
    """``Name <address>`` from stored values, whatever they hold: the name made one line
    (RFC 2047-encoded when not ASCII), the address without spaces or controls. An
    internationalised address (``josé@correo.mx``) is kept as it is: it needs SMTPUTF8,
    which the transport asks of the server (and fails clearly without)."""
    name = header_text(name, MAX_NAME)
    address = clean_line(address, MAX_ADDRESS).replace(" ", "").strip("<>")
    if address.isascii():
        return formataddr((name, address)) if address else ""
    if not name:
        return address
    encoded = formataddr((name, "a@b"))
    return f"{encoded.removesuffix(' <a@b>')} <{address}>"
