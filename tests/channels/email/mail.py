"""Build realistic raw emails for tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from tests.conftest import FIXED_NOW


def raw_email(
    *,
    message_id: str,
    sender: tuple[str, str] = ("Guadalupe Núñez", "guadalupe.nunez@correo.mx"),
    to: str = "aclaraciones@banco-demo.mx",
    subject: str = "Aclaración de cargo no reconocido",
    body: str = "No reconozco el cargo de $1,250.00 del 3 de noviembre.",
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    cc: list[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = formataddr(sender)
    mail["To"] = to
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(FIXED_NOW)
    mail["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()
