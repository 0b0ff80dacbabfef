"""Outgoing mail for a ticket message: threading headers, our signed Message-ID, the folio
in the subject, text and HTML, attachments, and the headers that stop mail loops."""

from __future__ import annotations

import html
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.attachments import storage
from helpdesk.intake.text import clean_id
from helpdesk.mail import address_header, header_text
from helpdesk.tickets.models import Message, MessageReference
from helpdesk.tickets.vocabulary import Direction

REPLY_ABOVE = {"es": "-- Responda arriba de esta línea --", "en": "-- Reply above this line --"}


def subject_for(subject: str, folio: str) -> str:
    base = subject if subject.lower().startswith(("re:", "rv:", "fw:")) else f"Re: {subject}"
    return base if folio in base else f"{base} [{folio}]"


def compose(
    session: Session,
    message: Message,
    *,
    from_address: str,
    from_name: str,
    attachments: Path,
    now: datetime,
    portal_url: str | None = None,
) -> EmailMessage:
    """``attachments``: the file store's directory (``storage.root_for(DATA_DIR)``);
    ``portal_url``: the debtor's magic link, shown below the reply."""
    ticket = message.ticket
    mail = EmailMessage()
    mail["From"] = address_header(from_name, from_address)
    if message.recipients:  # as the agent's composer sent it
        mail["To"] = ", ".join(address_header("", a) for a in message.recipients.get("to", []))
        cc = [address_header("", a) for a in message.recipients.get("cc", [])]
    else:
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
    quoted = None if message.is_automatic else _last_inbound(session, message)
    footer = _portal_footer(portal_url, ticket.contact.language) if portal_url else ""
    text = message.text + (f"\n\n-- \n{footer}" if footer else "")
    text += _quote_text(quoted) if quoted else ""
    mail.set_content(f"{marker}\n\n{text}\n")
    mail.add_alternative(_html(message.text, marker, quoted, footer), subtype="html")
    for attachment in message.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            storage.read(attachment.sha256, attachments),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return mail


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


def _last_inbound(session: Session, message: Message) -> Message | None:
    """The debtor's latest message before this reply, quoted below it as mail clients do."""
    return session.scalar(
        select(Message)
        .where(
            Message.ticket_id == message.ticket_id,
            Message.direction == Direction.IN.value,
            Message.id < message.id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


def _attribution(quoted: Message) -> str:
    who = quoted.author_contact.display_name if quoted.author_contact else ""
    when = quoted.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}, {who}:".strip()


def _quote_text(quoted: Message) -> str:
    body = (quoted.new_text if quoted.new_text is not None else quoted.text).strip()
    lines = "\n".join(f"> {line}".rstrip() for line in body.splitlines())
    return f"\n\n{_attribution(quoted)}\n{lines}"


def _paragraphs(text: str) -> str:
    return "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )


def _portal_footer(url: str, language: str) -> str:
    with force_locale(language[:2] or "es"):
        return str(
            _(
                "Follow your case and answer us in your portal, without a password (this "
                "link works once, for 72 hours):\n%(url)s",
                url=url,
            )
        )


def _html(text: str, marker: str, quoted: Message | None = None, footer: str = "") -> str:
    signature = (
        f'<p style="color:#555;border-top:1px solid #ddd;padding-top:.6em">'
        f"{_linked(footer)}</p>"
        if footer
        else ""
    )
    quote = ""
    if quoted is not None:
        body = quoted.new_text if quoted.new_text is not None else quoted.text
        quote = (
            f"<p>{html.escape(_attribution(quoted))}</p>"
            '<blockquote style="margin:0 0 0 .8em;border-left:2px solid #ccc;padding-left:.8em">'
            f"{_paragraphs(body)}</blockquote>"
        )
    return (
        f'<!doctype html><html><body><p style="color:#888">{html.escape(marker)}</p>'
        f"{_paragraphs(text)}{signature}{quote}</body></html>"
    )


def _linked(footer: str) -> str:
    """The footer's words, then its last line (the link) as a link."""
    words, _newline, url = footer.rpartition("\n")
    safe = html.escape(url, quote=True)
    return f'{html.escape(words)}<br><a href="{safe}">{safe}</a>'
