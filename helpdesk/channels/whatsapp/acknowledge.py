"""The acknowledgement a debtor gets when their WhatsApp message opens a ticket.

They have just written, so the 24-hour window is open and free text may go out: the
folio, in the contact's language, marked automatic like the email one. One per new
ticket; messages that join an open ticket get none.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppNumber
from helpdesk.channels.whatsapp.outbound import queue_send
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import add_acknowledgement
from helpdesk.tickets.vocabulary import Channel


def acknowledge(
    session: Session, ticket: Ticket, number: WhatsAppNumber, *, locale: str, now: datetime
) -> Message:
    """``locale``: for a contact without a language (the app's ``DEFAULT_LOCALE``)."""
    contact = ticket.contact
    with force_locale(contact.language or locale):
        greeting = _("Hello %(name)s,", name=contact.name) if contact.name else _("Hello,")
        text = greeting + " " + _(
            "we received your message and opened case %(folio)s. Please keep this number to "
            "follow your case. We will answer you here as soon as possible.",
            folio=ticket.folio,
        )
    message = add_acknowledgement(
        session, ticket, channel=Channel.WHATSAPP.value, text=text,
        actor=Actor.system("whatsapp"), now=now,
    )  # fmt: skip
    session.add(WhatsAppMessage(message_id=message.id, number_id=number.id, kind="text"))
    queue_send(session, message)
    return message
