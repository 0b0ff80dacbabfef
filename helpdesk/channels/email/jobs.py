"""The email channel's jobs: where the app's settings are read and handed down.

RQ holds these jobs under their historical names, ``outbound.send_email_job`` and
``poll.poll_one`` (queued jobs, ``tickets.delivery.SENDERS``), which run them.
"""

from __future__ import annotations

import logging

from flask import current_app
from rq import get_current_job

from helpdesk import clock
from helpdesk.channels.email.imap import PollReport, poll_mailbox
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.email.outbound import retry_delay, send_message
from helpdesk.channels.email.poll import mailbox_lock
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.extensions import db
from helpdesk.jobs import run_ready_jobs
from helpdesk.mail import DeliveryError
from helpdesk.tickets import delivery
from helpdesk.tickets.models import Message
from helpdesk.tickets.services import mark_delivery_failed

# The messages keep the loggers they were written under.
log = logging.getLogger("helpdesk.channels.email.outbound")
poll_log = logging.getLogger("helpdesk.channels.email.poll")


def poll_one(mailbox_id: int) -> PollReport | None:
    """Poll one mailbox and commit; None when it is gone, inactive, or already being polled."""
    settings = EmailSettings.from_config(current_app.config)
    with mailbox_lock(mailbox_id, settings) as acquired:
        if not acquired:
            poll_log.info("mailbox %s: another poll is running; skipped", mailbox_id)
            return None
        mailbox = db.session.get(Mailbox, mailbox_id)
        if mailbox is None or not mailbox.is_active:
            return None
        report = poll_mailbox(db.session, mailbox, settings=settings, now=clock.now())
        db.session.commit()
    run_ready_jobs(db.session)
    return report


def send_email_job(message_id: int) -> None:
    """Claim and send one outgoing message (``outbound.send_email_job`` is its queued name)."""
    now = clock.now()
    attempt = delivery.claim(db.session, message_id, now=now)  # queued → sending, committed
    if attempt is None:
        return  # sent, failed, gone, or another sender holds it: never twice
    message = db.session.get(Message, message_id)

    def hand_over() -> None:
        delivery.hand_over(db.session, message_id, attempt, now=clock.now())

    try:
        send_message(db.session, message, config=current_app.config, now=now, hand_over=hand_over)
    except delivery.ClaimLost:
        log.warning("message %s: claim lapsed and taken over; not sent by this job", message_id)
        db.session.rollback()
        return
    except DeliveryError as error:
        job = get_current_job()
        if not error.permanent and job is not None and job.retries_left:
            delivery.retry_later(
                message, due_at=now + retry_delay(job.retries_left), error=f"retrying: {error}"
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
