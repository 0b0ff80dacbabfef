"""Outgoing mail for a ticket message: threading headers, our signed Message-ID, the folio
in the subject, text and HTML, attachments, and the headers that stop mail loops."""

from __future__ import annotations

import html
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.attachments import storage
from helpdesk.intake.text import MAX_ADDRESS, MAX_NAME, MAX_SUBJECT, clean_id, clean_line
from helpdesk.tickets.models import Message, MessageReference
from helpdesk.tickets.vocabulary import Direction

REPLY_ABOVE = {"es": "-- Responda arriba de esta línea --", "en": "-- Reply above this line --"}


def subject_for(subject: str, folio: str) -> str:
    base = subject if subject.lower().startswith(("re:", "rv:", "fw:")) else f"Re: {subject}"
    return base if folio in base else f"{base} [{folio}]"


def compose(
    session: Session, message: Message, *, from_address: str, from_name: str, now: datetime
) -> EmailMessage:
    ticket = message.ticket
    mail = EmailMessage()
    mail["From"] = address_header(from_name, from_address)
    mail["To"] = address_header(ticket.contact.name, ticket.contact.email or "")
    cc = [address_header("", p.email) for p in ticket.participants if p.email]
    if cc:
        mail["Cc"] = ", ".join(a for a in cc if a)
    mail["Subject"] = subject_for(header_text(ticket.subject) or "—", ticket.folio)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{clean_id(message.external_id)}>"
    _thread(session, mail, message)
    mail["X-Auto-Response-Suppress"] = "All"  # no out-of-office replies to us, please
    mail["X-Loop"] = from_address
    if message.is_automatic:
        mail["Auto-Submitted"] = "auto-replied"
    marker = REPLY_ABOVE.get(ticket.contact.language[:2], REPLY_ABOVE["es"])
    mail.set_content(f"{marker}\n\n{message.text}\n")
    mail.add_alternative(_html(message.text, marker), subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            storage.read(attachment.sha256),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return mail


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


def _thread(session: Session, mail: EmailMessage, message: Message) -> None:
    """In-Reply-To the debtor's latest message; References its chain plus it."""
    parent = session.scalar(
        select(Message)
        .where(
            Message.ticket_id == message.ticket_id,
            Message.direction == Direction.IN.value,
            Message.external_id.is_not(None),
            Message.id < message.id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if parent is None or parent.channel != "email":
        return
    chain = list(
        session.scalars(
            select(MessageReference.referenced)
            .where(MessageReference.message_id == parent.id)
            .order_by(MessageReference.position)
        )
    )
    # Ids as they can be written in a header (an id with non-ASCII or brackets cannot).
    ids = [
        i
        for i in (clean_id(r) for r in [*chain, parent.external_id])
        if i and i.isascii() and not set(i) & set('<>()[]\\,;:"')
    ]
    if ids:
        mail["In-Reply-To"] = f"<{ids[-1]}>"
        mail["References"] = " ".join(f"<{ref}>" for ref in ids[-20:])


def _html(text: str, marker: str) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        f'<!doctype html><html><body><p style="color:#888">{html.escape(marker)}</p>'
        f"{paragraphs}</body></html>"
    )
