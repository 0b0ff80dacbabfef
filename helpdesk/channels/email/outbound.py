"""Sending a ticket's outgoing email: the job, the transport choice, the delivery record.

``send_email_job(message_id)`` is the RQ entry (ids only, idempotent: it claims the
message ``queued`` → ``sending`` first, so it is sent at most once — see
:mod:`helpdesk.tickets.delivery`); its body is in ``channels/email/jobs.py``, which hands
the app's settings to ``send_message``. Temporary failures are retried by RQ with backoff (and
by the delivery sweep should that retry be lost); permanent ones and the last failed try
mark the message "failed" with the reason the agent sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rq import Retry
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import clock, events
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.branding.queries import brand
from helpdesk.channels.email.compose import compose
from helpdesk.channels.email.mailboxes import smtp_password
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.email.replies import EMAIL_ANSWERED
from helpdesk.contacts.models import IdentityKind
from helpdesk.jobs import enqueue_after_commit
from helpdesk.mail import DeliveryError, SmtpSettings, send_smtp, write_outbox
from helpdesk.receipts.services import attach_acuse
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.signins import links as magic_links
from helpdesk.tickets import delivery
from helpdesk.tickets.message_ids import make_message_id
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import Delivery

log = logging.getLogger(__name__)
SEND_RETRY = Retry(max=4, interval=[30, 120, 600, 1800])


@dataclass(frozen=True)
class Route:
    """Who a ticket's mail comes from and how it leaves."""

    address: str
    name: str
    smtp: SmtpSettings | None  # None: the development outbox


def send_email_job(message_id: int) -> None:
    """The job's name RQ and ``tickets.delivery.SENDERS`` hold; the job is
    ``channels.email.jobs.send_email_job``."""
    from helpdesk.channels.email import jobs

    jobs.send_email_job(message_id)


def retry_delay(retries_left: int) -> timedelta:
    intervals = SEND_RETRY.intervals
    index = min(max(SEND_RETRY.max - retries_left, 0), len(intervals) - 1)
    return timedelta(seconds=intervals[index])


def send_message(
    session: Session,
    message: Message,
    *,
    config: Mapping[str, Any],
    now: datetime,
    hand_over: Callable[[], None] | None = None,
) -> None:
    """Compose and send; ``hand_over`` runs right before the mail can reach the server.
    ``config``: the app's settings (``SECRET_KEY``, ``DATA_DIR``, and those of ``route_for``)."""
    route = route_for(session, message.ticket, config)
    if not message.external_id:
        message.external_id = make_message_id(
            message.ticket_id,
            domain=_domain(route.address, config["MAIL_DOMAIN"]),
            secret=config["SECRET_KEY"],
        )
        session.flush()
    attach_acuse(  # acknowledgements only
        session,
        message,
        actor=Actor.system("mail"),
        now=now,
        settings=ReceiptSettings.from_config(config),
    )
    mail = compose(
        session,
        message,
        from_address=route.address,
        from_name=route.name,
        attachments=storage.root_for(config["DATA_DIR"]),
        now=now,
        portal_url=_portal_link(session, message, config=config, now=now),
    )
    if route.smtp is None:
        if hand_over is not None:
            hand_over()
        write_outbox(mail, Path(config["DATA_DIR"]) / "outbox")
    else:
        send_smtp(mail, route.smtp, before_sending=hand_over)
    message.delivery_status, message.delivery_error = Delivery.SENT.value, None
    delivery.done(message)
    record(
        session,
        Actor.system("mail"),
        "message.sent",
        message,
        now=now,
        ticket_id=message.ticket_id,
        after={"message_id": message.external_id},
    )


def _portal_link(
    session: Session, message: Message, *, config: Mapping[str, Any], now: datetime
) -> str | None:
    """A magic link for an agent's reply, when the mail goes to the ticket's debtor and
    nobody else (a link in a copy to a third party would open the debtor's portal)."""
    ticket = message.ticket
    contact = ticket.contact
    if (
        not config.get("PORTAL_MAGIC_LINKS")
        or message.author_user_id is None
        or message.is_automatic
        or contact is None
        or not contact.email
    ):
        return None
    own = {i.value.lower() for i in contact.identities if i.kind == IdentityKind.EMAIL}
    if message.recipients:
        sent_to = [*message.recipients.get("to", []), *message.recipients.get("cc", [])]
    else:
        sent_to = [contact.email, *(p.email for p in ticket.participants if p.email)]
    if not sent_to or any(address.lower() not in own for address in sent_to):
        return None
    return magic_links.link_for(
        session, contact.id, purpose="reply", secret=config["SECRET_KEY"],
        public_url=config.get("PUBLIC_URL"), now=now,
    )


def route_for(session: Session, ticket: Ticket, config: Mapping[str, Any]) -> Route:
    """The queue's mailbox with its SMTP account, else as ``helpdesk.mail.deliver`` would
    (``SMTP_URL``, ``ENV``, ``MAIL_FROM``, ``MAIL_DOMAIN`` of ``config``)."""
    mailbox = _mailbox_for(session, ticket)
    name = sender_name(session, ticket, config)
    if mailbox is not None and mailbox.smtp_host:
        return Route(
            mailbox.email_address,
            name,
            SmtpSettings(
                host=mailbox.smtp_host,
                port=mailbox.smtp_port,
                security=mailbox.smtp_security,
                user=mailbox.smtp_user,
                password=smtp_password(mailbox, secret_key=config["SECRET_KEY"]),
            ),
        )
    address = (
        (mailbox.email_address if mailbox else None)
        or (ticket.queue.email_address if ticket.queue else None)
        or config["MAIL_FROM"]
    )
    if config["SMTP_URL"]:
        return Route(
            address or f"helpdesk@{config['MAIL_DOMAIN']}",
            name,
            SmtpSettings.from_url(config["SMTP_URL"]),
        )
    if config["ENV"] == "production":
        raise DeliveryError("no SMTP server is configured for this queue", permanent=True)
    return Route(address or f"helpdesk@{config['MAIL_DOMAIN']}", name, None)


def sender_name(session: Session, ticket: Ticket, config: Mapping[str, Any]) -> str:
    """Who the debtor sees the mail from: the organisation's name (the branding's, else
    ``AGENCY_NAME``) and the queue that answers, "Cobranza Justa · Aclaraciones". A queue's
    name alone ("Disputas") tells a worried debtor nothing about who wrote."""
    organisation = brand(session, default_name=config.get("AGENCY_NAME") or "Aclara").display_name
    queue = ticket.queue.name if ticket.queue else None
    return f"{organisation} · {queue}" if queue and queue != organisation else organisation


def _mailbox_for(session: Session, ticket: Ticket) -> Mailbox | None:
    if ticket.queue_id is None:
        return None
    return session.scalar(
        select(Mailbox)
        .where(Mailbox.queue_id == ticket.queue_id, Mailbox.is_active)
        .order_by(Mailbox.id)
        .limit(1)
    )


def _domain(address: str, default: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else default


def queue_send(session: Session, message: Message) -> None:
    delivery.schedule(message, now=clock.now())  # durable: the sweep sends it if the job is lost
    enqueue_after_commit(session, send_email_job, message.id, queue="mail", retry=SEND_RETRY)


def _on_reply_queued(ticket: Ticket, *, session: Session, message: Message, **_: object) -> None:
    if ticket.channel in EMAIL_ANSWERED:
        queue_send(session, message)


def connect() -> None:
    events.reply_queued.connect(_on_reply_queued)
