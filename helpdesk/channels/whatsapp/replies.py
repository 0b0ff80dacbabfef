"""Agents' replies on WhatsApp tickets: free text inside the 24-hour window, approved
templates outside it. The composer asks ``window()``; the send job does the sending.

Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.channels.whatsapp import numbers, templates
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppNumber, WhatsAppTemplate
from helpdesk.channels.whatsapp.outbound import number_for_ticket
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import IncomingFile
from helpdesk.tickets.vocabulary import Channel, Direction
from helpdesk.users.models import User

WINDOW = timedelta(hours=24)
MAX_TEXT = 4096


class ReplyRefused(ValueError):
    """The reply cannot go out as asked; the (translated) message says why and what to do."""


@dataclass(frozen=True)
class Window:
    last_inbound_at: datetime | None
    now: datetime

    @property
    def closes_at(self) -> datetime | None:
        return self.last_inbound_at + WINDOW if self.last_inbound_at else None

    @property
    def is_open(self) -> bool:
        return self.closes_at is not None and self.now < self.closes_at


def window(session: Session, ticket: Ticket, *, now: datetime) -> Window:
    """Free text may go out until 24 hours after the debtor's last WhatsApp message."""
    last = session.scalar(
        select(func.max(Message.created_at)).where(
            Message.author_contact_id == ticket.contact_id,
            Message.channel == Channel.WHATSAPP.value,
            Message.direction == Direction.IN.value,
        )
    )
    return Window(last_inbound_at=last, now=now)


def reply_text(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    files: Sequence[IncomingFile] = (),
    settings: WhatsAppSettings,
    now: datetime,
    seen_message_id: int | None = None,
) -> Message:
    """``seen_message_id``: the newest message from the debtor the agent's page showed; a
    newer one stops the reply (``tickets.NewMessageArrived``). None: not asked."""
    _require_whatsapp(ticket)
    tickets.require_seen(session, ticket, seen_message_id)
    if not window(session, ticket, now=now).is_open:
        raise ReplyRefused(
            str(
                _l(
                    "More than 24 hours have passed since the debtor's last WhatsApp message. "
                    "WhatsApp only lets an approved template through until they write again: "
                    "choose one below."
                )
            )
        )
    if len(text) > MAX_TEXT:
        raise ReplyRefused(str(_l("A WhatsApp message holds at most 4,096 characters.")))
    number = _number(session, ticket, settings)
    message = tickets.reply(
        session,
        ticket,
        author=author,
        text=text,
        files=files,
        attachments=settings.intake.attachments,
        now=now,
    )
    session.add(WhatsAppMessage(message_id=message.id, number_id=number.id, kind="text"))
    session.flush()
    return message


def reply_template(
    session: Session,
    ticket: Ticket,
    template: WhatsAppTemplate,
    *,
    author: User,
    settings: WhatsAppSettings,
    now: datetime,
) -> Message:
    _require_whatsapp(ticket)
    number = _number(session, ticket, settings)
    if template.number_id != number.id or not template.is_active:
        raise ReplyRefused(str(_l("This template does not belong to the ticket's number.")))
    try:
        parameters = templates.values(template, ticket, author)
    except templates.TemplateError as error:
        raise ReplyRefused(str(error)) from None
    text = templates.preview(template, parameters)
    message = tickets.reply(session, ticket, author=author, text=text, now=now)
    session.add(
        WhatsAppMessage(
            message_id=message.id,
            number_id=number.id,
            kind="template",
            template_name=template.name,
            template_language=template.language,
            template_parameters=parameters,
        )
    )
    session.flush()
    return message


def available_templates(
    session: Session, ticket: Ticket, settings: WhatsAppSettings
) -> list[WhatsAppTemplate]:
    number = number_for_ticket(session, ticket, settings)
    return numbers.active_templates(number) if number is not None else []


def _number(session: Session, ticket: Ticket, settings: WhatsAppSettings) -> WhatsAppNumber:
    number = number_for_ticket(session, ticket, settings)
    if number is None:
        raise ReplyRefused(str(_l("No WhatsApp number is configured to send from.")))
    return number


def _require_whatsapp(ticket: Ticket) -> None:
    if ticket.channel != Channel.WHATSAPP:
        raise ReplyRefused(str(_l("This ticket did not come by WhatsApp.")))
