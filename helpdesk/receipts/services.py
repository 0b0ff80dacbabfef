"""The acuse goes with the acknowledgement: the channels' send jobs call
:func:`attach_acuse` right before sending one, so the PDF is rendered outside intake's
transaction and with the ticket's deadlines and holds already in place.

A PDF that cannot be made never holds the acknowledgement back: it leaves without it,
and the reason is logged and kept in the ticket's history.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.receipts.queries import acuse_filename, acuse_of
from helpdesk.receipts.render import render_acuse
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.tickets.models import Attachment, Message
from helpdesk.tickets.vocabulary import Direction

log = logging.getLogger(__name__)
PDF = "application/pdf"


def is_acknowledgement(message: Message) -> bool:
    """The automatic message that tells a debtor their case was opened (the only
    automatic message we send: ``tickets.services.add_acknowledgement``)."""
    return message.is_automatic and message.direction == Direction.OUT.value


def attach_acuse(
    session: Session,
    message: Message,
    *,
    actor: Actor,
    now: datetime,
    settings: ReceiptSettings,
) -> Attachment | None:
    """Attach the ticket's acuse to its acknowledgement, once; None when it is not an
    acknowledgement, already carries it, or the PDF could not be made (logged)."""
    if not is_acknowledgement(message) or message.attachments:
        return None
    ticket = message.ticket
    try:
        data = render_acuse(acuse_of(session, ticket, now=now, settings=settings))
        sha256 = storage.save(data, settings.attachments)
    except Exception as error:  # WeasyPrint, a template, stored data, a full disk: send without
        log.warning(
            "acuse for ticket %s not made, the acknowledgement leaves without it: %s: %s",
            ticket.id, type(error).__name__, error,
        )  # fmt: skip
        record(
            session, actor, "message.acuse_failed", message, now=now, ticket_id=ticket.id,
            after={"reason": f"{type(error).__name__}: {error}"[:300]},
        )  # fmt: skip
        return None
    attachment = Attachment(
        message=message,
        filename=acuse_filename(ticket.folio),
        content_type=PDF,
        size=len(data),
        sha256=sha256,
        created_at=now,
    )
    session.add(attachment)
    language = ticket.contact.language or settings.default_locale
    with force_locale(language):  # said only once the PDF exists: the message never lies
        note = _(
            "We attach your acknowledgement of receipt (PDF): what we received and the "
            "date by which we will answer you."
        )
    message.text = f"{message.text.rstrip()}\n\n{note}"
    session.flush()
    record(
        session, actor, "message.acuse_attached", message, now=now, ticket_id=ticket.id,
        after={"filename": attachment.filename, "size": attachment.size},
    )  # fmt: skip
    return attachment
