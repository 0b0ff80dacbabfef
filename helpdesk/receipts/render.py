"""The acuse as HTML and as PDF, in the debtor's language and time zone.

``templates/receipts/acuse.html`` is rendered under the debtor's locale (not the viewer's:
an agent who downloads it gets the same document the debtor got) and turned into a PDF
by ``helpdesk.pdf.render_pdf``, which fetches nothing outside ``static/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_location
from babel.numbers import format_currency, format_decimal
from flask import has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from helpdesk.pdf import render_pdf
from helpdesk.receipts.labels import type_for_debtor
from helpdesk.receipts.queries import Acuse, acuse_of
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import label

# A claim's text longer than this is cut in the acuse (the ticket keeps it whole).
MAX_TEXT = 6000
# Money is written the way the account's country writes it.
_MONEY_REGION = {"MXN": "MX", "COP": "CO", "ARS": "AR", "USD": "US"}  # Spanish only


@dataclass(frozen=True)
class Words:
    """Formatting for one acuse: the debtor's locale and time zone."""

    language: str
    zone: ZoneInfo

    def date(self, value: datetime, zone: str | None = None) -> str:
        local = value.astimezone(ZoneInfo(zone) if zone else self.zone)
        return format_date(local.date(), "long", locale=self.language)

    def moment(self, value: datetime) -> str:
        """``23 de noviembre de 2026, 10:00, hora de México (Ciudad de México)``."""
        local = value.astimezone(self.zone)
        time = format_time(local, "short", tzinfo=self.zone, locale=self.language)
        zone = get_timezone_location(self.zone, locale=self.language)
        return f"{self.date(value)}, {time}, {zone}"

    def money(self, amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return "—"
        if self.language == "en":
            return format_currency(amount, currency, locale="en_US")
        region = _MONEY_REGION.get(currency.upper(), "MX")
        return format_currency(amount, currency, locale=f"es_{region}")

    def size(self, size: int) -> str:
        if size < 1024:
            return f"{size} B"
        kb = size / 1024
        if kb < 1024:
            return f"{format_decimal(round(kb, 1), locale=self.language)} KB"
        return f"{format_decimal(round(kb / 1024, 1), locale=self.language)} MB"


def portal_link(folio: str, base: str | None) -> str | None:
    """Where the debtor follows the case: ``PUBLIC_URL`` when set, else this request's
    address; None from a job when the public address is not configured."""
    if base:
        return f"{str(base).rstrip('/')}/portal/cases/{folio}"
    if has_request_context():
        return url_for("portal.ticket_show", folio=folio, _external=True)
    return None


def acuse_html(acuse: Acuse) -> str:
    language = acuse.language if acuse.language in ("es", "en") else "es"
    words = Words(language, ZoneInfo(acuse.timezone))
    text = acuse.text if len(acuse.text) <= MAX_TEXT else acuse.text[:MAX_TEXT].rstrip() + " […]"
    with force_locale(language):
        return render_template(
            "receipts/acuse.html",
            acuse=acuse,
            words=words,
            text=text,
            type_words=type_for_debtor(acuse.type),
            channel_words=label(acuse.channel),
            portal_url=portal_link(acuse.folio, acuse.public_url),
            lang=language,
        )


def render_acuse(acuse: Acuse) -> bytes:
    """The acuse's PDF; ``helpdesk.pdf.PdfError`` when it cannot be made."""
    return render_pdf(acuse_html(acuse))


def acuse_pdf(
    session: Session, ticket: Ticket, *, now: datetime, settings: ReceiptSettings
) -> bytes:
    """The acuse of ``ticket`` as it stands now (portal and inbox downloads)."""
    return render_acuse(acuse_of(session, ticket, now=now, settings=settings))
