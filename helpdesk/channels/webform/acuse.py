"""The acuse the web form's confirmation page offers for download."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.receipts.queries import Acuse, acuse_of
from helpdesk.receipts.render import render_acuse
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.tickets.models import Ticket


def public_acuse(
    session: Session, ticket: Ticket, *, now: datetime, settings: ReceiptSettings
) -> Acuse:
    """The acuse as the person who filled the form may see it: without what only the
    contact's mailbox or portal should show (the name on file, linked accounts, their
    balances and whether their collection is paused), which would tell a stranger who
    typed someone's email and account number whether they match. The account number
    they typed is in their text; the emailed acuse (to the address on file) is whole."""
    acuse = acuse_of(session, ticket, now=now, settings=settings)
    return replace(acuse, contact_name="", creditors=(), accounts=(), paused_since=None)


def public_acuse_pdf(
    session: Session, ticket: Ticket, *, now: datetime, settings: ReceiptSettings
) -> bytes:
    """``helpdesk.pdf.PdfError`` when the PDF cannot be made."""
    return render_acuse(public_acuse(session, ticket, now=now, settings=settings))
