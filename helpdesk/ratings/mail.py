"""The rating request's email: five one-click links, through ``helpdesk.mail.deliver``
like every mail of the app that is not a conversation (it is not added to the ticket)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from helpdesk.branding.queries import Brand, signature
from helpdesk.logs import mask_address
from helpdesk.mail import DeliveryError, address_header, deliver
from helpdesk.ratings.services import LINK_PATH, SCORES
from helpdesk.tickets.models import Ticket

log = logging.getLogger(__name__)


def links(base_url: str, token: str) -> dict[int, str]:
    root = base_url.rstrip("/")
    return {score: root + LINK_PATH.format(token=token, score=score) for score in SCORES}


def score_words() -> dict[int, str]:
    """What each score means, in the current language (the mail, WhatsApp and pages)."""
    return {
        1: _("Very bad"),
        2: _("Bad"),
        3: _("Fair"),
        4: _("Good"),
        5: _("Very good"),
    }


def send_request(
    ticket: Ticket,
    token: str,
    *,
    base_url: str,
    config: Mapping[str, Any],
    now: datetime,
    look: Brand | None = None,
) -> bool:
    """Mail the request to the ticket's contact; False (logged) when it could not go."""
    address = ticket.contact.email
    if not address:
        log.info("ratings: ticket %s has no email address to ask", ticket.folio)
        return False
    mail = compose_request(
        ticket, address, links(base_url, token), config=config, now=now, look=look
    )
    try:
        deliver(mail, config)
    except DeliveryError as error:
        log.warning("ratings: request to %s failed: %s", mask_address(address), error)
        return False
    log.info("ratings: request for %s sent to %s", ticket.folio, mask_address(address))
    return True


def compose_request(
    ticket: Ticket,
    address: str,
    urls: Mapping[int, str],
    *,
    config: Mapping[str, Any],
    now: datetime,
    look: Brand | None = None,
) -> EmailMessage:
    contact = ticket.contact
    sender = config["MAIL_FROM"] or f"no-reply@{config['MAIL_DOMAIN']}"
    with force_locale(contact.language or config["DEFAULT_LOCALE"]):
        words = score_words()
        subject = _("How did we do with case %(folio)s?", folio=ticket.folio)
        greeting = _("Hello %(name)s,", name=contact.name) if contact.name else _("Hello,")
        intro = _(
            "We have resolved your case %(folio)s. How would you rate the attention you "
            "received? Choose one option (from 1, very bad, to 5, very good); you can add a "
            "comment on the next page.",
            folio=ticket.folio,
        )
        lines = [f"{score} · {words[score]}: {urls[score]}" for score in SCORES]
        closing = _("Thank you. Your answer helps us serve you better.")
        footer = signature(look) if look else ""  # names, legal notice, privacy link
        buttons = "".join(
            f'<a href="{urls[s]}" style="display:inline-block;margin:4px;padding:10px 14px;'
            f"border:1px solid #0f5c4c;border-radius:6px;color:#0f5c4c;text-decoration:none;"
            f'font-weight:bold">{s} · {escape(words[s])}</a>'
            for s in SCORES
        )
        html = (
            f"<p>{escape(greeting)}</p><p>{escape(intro)}</p><p>{buttons}</p>"
            f"<p>{escape(closing)}</p>"
        )
        if footer:
            lines_html = escape(footer.strip().removeprefix("--").strip())
            html += f'<p style="color:#555;white-space:pre-line">{lines_html}</p>'
    mail = EmailMessage()
    name = look.display_name if look else config.get("AGENCY_NAME") or "Aclara"
    mail["From"] = formataddr((name, sender))
    mail["To"] = address_header(contact.name, address)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content("\n\n".join([greeting, intro, "\n".join(lines), closing]) + footer + "\n")
    mail.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return mail
