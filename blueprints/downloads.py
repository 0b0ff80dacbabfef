"""A generated document sent as a download: never shown inline, never cached."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app

from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.extensions import db
from helpdesk.pdf import PdfError
from helpdesk.receipts.queries import acuse_filename
from helpdesk.receipts.render import acuse_pdf
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.tickets.models import Ticket

log = logging.getLogger(__name__)


def pdf_download(data: bytes, filename: str) -> Any:
    response = current_app.response_class(data, mimetype="application/pdf")
    safe = storage.safe_filename(filename, "documento.pdf")
    response.headers.set("Content-Disposition", "attachment", filename=safe)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def acuse_download(ticket: Ticket) -> Any:
    """The ticket's acuse de recibo as it stands now (portal and inbox); 503 when the PDF
    cannot be made, with the reason in the log."""
    try:
        data = acuse_pdf(
            db.session,
            ticket,
            now=clock.now(),
            settings=ReceiptSettings.from_config(current_app.config),
        )
    except PdfError:
        log.exception("acuse of ticket %s could not be made", ticket.id)
        abort(503)
    return pdf_download(data, acuse_filename(ticket.folio))
