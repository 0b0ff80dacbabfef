"""Reads for the ticket page: what WhatsApp adds to each message, the 24-hour window and
the templates the composer offers (with their parameters filled from the ticket)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from helpdesk.channels.whatsapp import labels, reactions, replies, templates
from helpdesk.channels.whatsapp.models import (
    WhatsAppMedia,
    WhatsAppMessage,
    WhatsAppNumber,
    WhatsAppSentPart,
    WhatsAppTemplate,
    WhatsAppWebhook,
)
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User


@dataclass
class MessageDetails:
    kind: str = "text"
    kind_label: str = ""
    reactions: list[str] = field(default_factory=list)
    media: list[WhatsAppMedia] = field(default_factory=list)
    error_code: int | None = None
    error_title: str | None = None
    error_hint: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)  # unsupported messages
    template: str | None = None


@dataclass(frozen=True)
class TemplateChoice:
    template: WhatsAppTemplate
    preview: str | None
    problem: str | None


@dataclass
class TicketDetails:
    messages: dict[int, MessageDetails]
    window: replies.Window
    templates: list[TemplateChoice]


def ticket_details(
    session: Session,
    ticket: Ticket,
    *,
    agent: User | None,
    settings: WhatsAppSettings,
    now: datetime,
) -> TicketDetails:
    ids = [m.id for m in ticket.messages]
    extras = {
        e.message_id: e
        for e in session.scalars(select(WhatsAppMessage).where(WhatsAppMessage.message_id.in_(ids)))
    }
    details = {mid: _details(extra) for mid, extra in extras.items()}
    for media in session.scalars(
        select(WhatsAppMedia).where(WhatsAppMedia.message_id.in_(ids)).order_by(WhatsAppMedia.id)
    ):
        details.setdefault(media.message_id, MessageDetails()).media.append(media)
    _add_reactions(session, ticket, details)
    return TicketDetails(
        messages=details,
        window=replies.window(session, ticket, now=now),
        templates=[
            _choice(t, ticket, agent)
            for t in replies.available_templates(session, ticket, settings)
        ],
    )


def _details(extra: WhatsAppMessage) -> MessageDetails:
    return MessageDetails(
        kind=extra.kind,
        kind_label=labels.kind_label(extra.kind) if extra.kind != "text" else "",
        error_code=extra.error_code,
        error_title=extra.error_title,
        error_hint=labels.error_hint(extra.error_code),
        errors=list((extra.details or {}).get("errors") or []),
        template=extra.template_name,
    )


def _add_reactions(session: Session, ticket: Ticket, details: dict[int, MessageDetails]) -> None:
    wamids = {m.external_id: m.id for m in ticket.messages if m.external_id}
    parts = session.execute(
        select(WhatsAppSentPart.wamid, WhatsAppSentPart.message_id).where(
            WhatsAppSentPart.message_id.in_([m.id for m in ticket.messages])
        )
    )
    wamids.update(dict(parts.all()))
    for wamid, emoji in reactions.for_messages(session, list(wamids)).items():
        details.setdefault(wamids[wamid], MessageDetails()).reactions.extend(emoji)


def _choice(template: WhatsAppTemplate, ticket: Ticket, agent: User | None) -> TemplateChoice:
    try:
        parameters = templates.values(template, ticket, agent)
    except templates.TemplateError as error:
        return TemplateChoice(template, None, str(error))
    return TemplateChoice(template, templates.preview(template, parameters), None)


def recent_webhooks(
    session: Session, *, problems_only: bool, limit: int = 200
) -> list[WhatsAppWebhook]:
    """The latest payloads, without their bodies (up to 3 MB each)."""
    query = (
        select(WhatsAppWebhook)
        .options(defer(WhatsAppWebhook.body))
        .order_by(WhatsAppWebhook.received_at.desc(), WhatsAppWebhook.id.desc())
        .limit(limit)
    )
    if problems_only:
        query = query.where(WhatsAppWebhook.action.not_in(["processed", "pending"]))
    return list(session.scalars(query))


def number_by_id(session: Session, number_id: int) -> WhatsAppNumber | None:
    return session.get(WhatsAppNumber, number_id)


def template_by_id(session: Session, template_id: int | None) -> WhatsAppTemplate | None:
    return session.get(WhatsAppTemplate, template_id) if template_id else None


def webhook_by_id(session: Session, row_id: int) -> WhatsAppWebhook | None:
    return session.get(WhatsAppWebhook, row_id)
