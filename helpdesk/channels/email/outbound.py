"""Sending a ticket's outgoing email: the job, the transport choice, the delivery record.

``send_email_job(message_id)`` is the RQ entry (ids only, idempotent: it claims the
message ``queued`` → ``sending`` first, so it is sent at most once — see
:mod:`helpdesk.tickets.delivery`). Temporary failures are retried by RQ with backoff (and
by the delivery sweep should that retry be lost); permanent ones and the last failed try
mark the message "failed" with the reason the agent sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from rq import Retry, get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import clock, events
from helpdesk.audit.services import Actor, record
from helpdesk.channels.email.compose import compose
from helpdesk.channels.email.mailboxes import smtp_password
from helpdesk.channels.email.models import Mailbox
from helpdesk.extensions import db
from helpdesk.jobs import enqueue_after_commit
from helpdesk.mail import DeliveryError, SmtpSettings, send_smtp, write_outbox
from helpdesk.receipts.services import attach_acuse
from helpdesk.tickets import delivery
from helpdesk.tickets.message_ids import make_message_id
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import mark_delivery_failed
from helpdesk.tickets.vocabulary import Channel, Delivery

log = logging.getLogger(__name__)
SEND_RETRY = Retry(max=4, interval=[30, 120, 600, 1800])


@dataclass(frozen=True)
class Route:
    """Who a ticket's mail comes from and how it leaves."""

    address: str
    name: str
    smtp: SmtpSettings | None  # None: the development outbox


def send_email_job(message_id: int) -> None:
    now = clock.now()
    attempt = delivery.claim(db.session, message_id, now=now)  # queued → sending, committed
    if attempt is None:
        return  # sent, failed, gone, or another sender holds it: never twice
    message = db.session.get(Message, message_id)

    def hand_over() -> None:
        delivery.hand_over(db.session, message_id, attempt, now=clock.now())

    try:
        send_message(db.session, message, now=now, hand_over=hand_over)
    except delivery.ClaimLost:
        log.warning("message %s: claim lapsed and taken over; not sent by this job", message_id)
        db.session.rollback()
        return
    except DeliveryError as error:
        job = get_current_job()
        if not error.permanent and job is not None and job.retries_left:
            delivery.retry_later(
                message, due_at=now + _retry_delay(job.retries_left), error=f"retrying: {error}"
            )
            db.session.commit()
            raise  # RQ tries again later (the delivery sweep, should that job be lost)
        mark_delivery_failed(
            db.session,
            message,
            str(error),
            now=clock.now(),
            recipient=message.ticket.contact.email,
            is_permanent=error.permanent and error.recipient_fault,
        )
    except Exception as error:  # stored data or a bug: never leave the message queued
        log.exception("sending message %s failed", message_id)
        db.session.rollback()  # what the send half-did is undone; its claim stays committed
        message = db.session.get(Message, message_id)
        mark_delivery_failed(
            db.session, message, f"could not send: {type(error).__name__}: {error}",
            now=clock.now(), is_permanent=False,
        )  # fmt: skip
    db.session.commit()


def _retry_delay(retries_left: int) -> timedelta:
    intervals = SEND_RETRY.intervals
    index = min(max(SEND_RETRY.max - retries_left, 0), len(intervals) - 1)
    return timedelta(seconds=intervals[index])


def send_message(
    session: Session,
    message: Message,
    *,
    now: datetime,
    hand_over: Callable[[], None] | None = None,
) -> None:
    """Compose and send; ``hand_over`` runs right before the mail can reach the server."""
    route = route_for(session, message.ticket)
    if not message.external_id:
        message.external_id = make_message_id(
            message.ticket_id,
            domain=_domain(route.address),
            secret=current_app.config["SECRET_KEY"],
        )
        session.flush()
    attach_acuse(session, message, actor=Actor.system("mail"), now=now)  # acknowledgements only
    mail = compose(session, message, from_address=route.address, from_name=route.name, now=now)
    if route.smtp is None:
        if hand_over is not None:
            hand_over()
        write_outbox(mail, Path(current_app.config["DATA_DIR"]) / "outbox")
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


def route_for(session: Session, ticket: Ticket) -> Route:
    mailbox = _mailbox_for(session, ticket)
    name = ticket.queue.name if ticket.queue else "Aclara"
    if mailbox is not None and mailbox.smtp_host:
        return Route(
            mailbox.email_address,
            name,
            SmtpSettings(
                host=mailbox.smtp_host,
                port=mailbox.smtp_port,
                security=mailbox.smtp_security,
                user=mailbox.smtp_user,
                password=smtp_password(mailbox),
            ),
        )
    config = current_app.config
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


def _mailbox_for(session: Session, ticket: Ticket) -> Mailbox | None:
    if ticket.queue_id is None:
        return None
    return session.scalar(
        select(Mailbox)
        .where(Mailbox.queue_id == ticket.queue_id, Mailbox.is_active)
        .order_by(Mailbox.id)
        .limit(1)
    )


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else current_app.config["MAIL_DOMAIN"]


def queue_send(session: Session, message: Message) -> None:
    delivery.schedule(message, now=clock.now())  # durable: the sweep sends it if the job is lost
    enqueue_after_commit(session, send_email_job, message.id, queue="mail", retry=SEND_RETRY)


def _on_reply_queued(ticket: Ticket, *, session: Session, message: Message, **_: object) -> None:
    if ticket.channel == Channel.EMAIL:
        queue_send(session, message)


def connect() -> None:
    events.reply_queued.connect(_on_reply_queued)
