"""Outgoing messages that survive a crash: each one is sent at most once, none stays queued.

What must still happen to an outgoing message is kept on its row, in the transaction that
queues it — never only in a process's memory (the inline job runner's list, an RQ job):

* :func:`schedule` marks a message due now (``delivery_due_at``); the channel's send job
  runs after the commit (in a worker with Redis, in the same process without).
* :func:`claim`: a send job first moves the message ``queued`` → ``sending`` with a
  conditional UPDATE (``… WHERE delivery_status = 'queued'``: the database's row lock
  decides between two senders) and commits. Only the sender whose UPDATE matched talks to
  SMTP or the Graph API. A claim counts an attempt and lapses after ``CLAIM``.
* :func:`hand_over`: just before the message can reach the server (SMTP ``MAIL FROM``,
  the first Graph call) the sender records it and commits, fenced by its attempt number:
  a sender whose claim lapsed and was taken over stops there, without sending.
* :func:`sweep` (cron ``delivery.sweep`` every minute; ``helpdesk jobs run-pending``):

  - a ``sending`` message whose claim lapsed (its process died or hung) and that was
    **never handed over** provably never left: it is queued again and sent (after
    ``MAX_ATTEMPTS`` claims it is marked failed instead, so a message that kills its
    sender cannot loop forever);
  - one that **was handed over** may or may not have reached the server — we cannot ask
    an SMTP server. It is **not resent**: it is marked failed, "interrupted", and the
    agent sees that on the ticket and decides. A debtor getting a message twice (an
    acknowledgement, a reply restating a debt) is worse than an agent resending one;
  - every ``queued`` message due more than ``GRACE`` ago is sent — inline without
    Redis; with Redis its job is enqueued again (and the message re-armed for ``REARM``,
    so a long queue is not flooded). Each goes through its claim, so a second sweep, or
    a sweep racing the normal job, sends nothing twice.

The same sweep heals the Redis case: a worker killed mid-job leaves ``sending`` (claim
lapses) or ``queued`` (the job was lost) behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from rq import Queue
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.jobs import redis_connection
from helpdesk.tickets.models import Message
from helpdesk.tickets.vocabulary import Delivery

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=3)  # claim → hand-over: compose, connect, TLS, login
HANDED_OVER = timedelta(minutes=10)  # hand-over → done: the server's answer, the commit
GRACE = timedelta(minutes=1)  # a queued message is the normal job's for this long
REARM = timedelta(minutes=5)  # with Redis: enqueue a still-queued message again after this
MAX_ATTEMPTS = 6
BATCH = 500


@dataclass(frozen=True)
class Sender:
    """A channel's send job (``module.job(message_id)``) and the RQ queue it runs on."""

    module: str
    job: str
    queue: str

    def function(self) -> Callable[[int], Any]:
        return getattr(import_module(self.module), self.job)

    def retry(self) -> Any:
        return getattr(import_module(self.module), "SEND_RETRY", None)


SENDERS: dict[str, Sender] = {
    "email": Sender("helpdesk.channels.email.outbound", "send_email_job", "mail"),
    "whatsapp": Sender("helpdesk.channels.whatsapp.outbound", "send_whatsapp_job", "default"),
}


class ClaimLost(Exception):
    """This sender's claim lapsed and another took the message over: do not send."""


# --- The sender's side ------------------------------------------------------------------


def schedule(message: Message, *, now: datetime) -> None:
    """The message is ``queued`` and due now: recorded with it, in its transaction."""
    message.delivery_status = Delivery.QUEUED.value
    message.delivery_due_at = now
    message.delivery_handed_over_at = None


def claim(session: Session, message_id: int, *, now: datetime) -> int | None:
    """Take a queued message for sending and commit; the attempt number, or None when the
    message is not queued (sent, failed, gone, or another sender holds it)."""
    attempt = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.delivery_status == Delivery.QUEUED.value)
        .values(
            delivery_status=Delivery.SENDING.value,
            delivery_attempts=Message.delivery_attempts + 1,
            delivery_due_at=now + CLAIM,
            delivery_handed_over_at=None,
        )
        .returning(Message.delivery_attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()  # the claim must be durable before anything leaves
    return attempt


def hand_over(session: Session, message_id: int, attempt: int, *, now: datetime) -> None:
    """Record that the message may reach the server from now on, and commit; raises
    :class:`ClaimLost` (nothing recorded) when this attempt no longer holds the claim."""
    matched = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.delivery_status == Delivery.SENDING.value,
            Message.delivery_attempts == attempt,
        )
        .values(delivery_handed_over_at=now, delivery_due_at=now + HANDED_OVER)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if matched != 1:
        raise ClaimLost(f"message {message_id}: attempt {attempt} lost its claim")


def done(message: Message) -> None:
    """Sent: nothing is due any more."""
    message.delivery_due_at = None


def retry_later(message: Message, *, due_at: datetime, error: str) -> None:
    """A try the server refused for now: ``queued`` again, due at ``due_at``."""
    message.delivery_status = Delivery.QUEUED.value
    message.delivery_due_at = due_at
    message.delivery_handed_over_at = None
    message.delivery_error = error[:500]


# --- The sweep --------------------------------------------------------------------------


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)  # lapsed claims, provably never sent
    interrupted: list[int] = field(default_factory=list)  # failed: may or may not have left
    gave_up: list[int] = field(default_factory=list)  # failed: MAX_ATTEMPTS claims lapsed
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)  # still queued (a retry is due later)
    enqueued: list[int] = field(default_factory=list)  # with Redis: handed to a worker

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep(
    session: Session, *, locale: str, now: datetime, grace: timedelta = GRACE
) -> SweepReport:
    """Settle lapsed claims, then send every message queued past ``grace``. Commits.
    ``locale``: of the reason a message failed (the app's ``DEFAULT_LOCALE``)."""
    report = SweepReport()
    _settle_lapsed(session, report, locale=locale, now=now)
    due = session.scalars(
        select(Message.id)
        .where(
            Message.delivery_status == Delivery.QUEUED.value,
            Message.delivery_due_at <= now - grace,
            Message.channel.in_(list(SENDERS)),
        )
        .order_by(Message.delivery_due_at, Message.id)
        .limit(BATCH)
    ).all()
    ids = list(dict.fromkeys([*report.requeued, *due]))
    session.commit()
    if not ids:
        return report
    connection = redis_connection()
    if connection is None:
        _send_inline(session, ids, report)
    else:
        _enqueue(session, connection, ids, report, now=now)
    return report


def sweep_job() -> dict[str, Any]:
    """The cron entry ``delivery.sweep`` (the path ``CRON_TABLE`` and queued jobs hold);
    the job is ``tickets.jobs.sweep_job``."""
    from helpdesk.tickets import jobs

    return jobs.sweep_job()


def _settle_lapsed(
    session: Session, report: SweepReport, *, locale: str, now: datetime
) -> None:
    lapsed = session.execute(
        select(Message.id, Message.delivery_attempts, Message.delivery_handed_over_at)
        .where(
            Message.delivery_status == Delivery.SENDING.value,
            Message.delivery_due_at <= now,
        )
        .order_by(Message.delivery_due_at, Message.id)
        .limit(BATCH)
    ).all()
    for message_id, attempt, handed_over_at in lapsed:
        fence = (
            Message.id == message_id,
            Message.delivery_status == Delivery.SENDING.value,
            Message.delivery_attempts == attempt,
        )
        if handed_over_at is None and attempt < MAX_ATTEMPTS:
            matched = session.execute(
                update(Message)
                .where(*fence)
                .values(delivery_status=Delivery.QUEUED.value, delivery_due_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if matched:
                report.requeued.append(message_id)
            continue
        reason = _interrupted(locale) if handed_over_at is not None else _gave_up(attempt, locale)
        matched = session.execute(
            update(Message)
            .where(*fence)
            .values(
                delivery_status=Delivery.FAILED.value,
                delivery_error=reason[:500],
                delivery_due_at=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not matched:
            continue
        (report.interrupted if handed_over_at is not None else report.gave_up).append(message_id)
        message = session.get(Message, message_id)
        if message is not None:
            record(
                session,
                Actor.system("delivery"),
                "message.delivery_failed",
                message,
                now=now,
                ticket_id=message.ticket_id,
                before={"delivery": Delivery.SENDING.value},
                after={"delivery": Delivery.FAILED.value, "reason": reason[:500]},
            )
        log.warning("message %s: %s", message_id, reason)
    session.commit()


def _interrupted(locale: str) -> str:
    with force_locale(locale):
        return _(
            "Interrupted: the sending process stopped after handing the message to the "
            "server, so it may or may not have arrived. It was not sent again; check and "
            "resend it if needed."
        )


def _gave_up(attempts: int, locale: str) -> str:
    with force_locale(locale):
        return _(
            "Not sent: the sending process stopped %(attempts)s times before handing the "
            "message to the server.",
            attempts=attempts,
        )


def _send_inline(session: Session, ids: list[int], report: SweepReport) -> None:
    """No Redis: run each message's send job here (each claims its message first)."""
    for message_id in ids:
        message = session.get(Message, message_id)
        sender = SENDERS.get(message.channel) if message is not None else None
        if sender is None:
            continue
        try:
            sender.function()(message_id)
        except Exception:  # one message must not stop the others; its row says what's due
            log.exception("message %s: the send job failed", message_id)
            session.rollback()
        status = session.scalar(select(Message.delivery_status).where(Message.id == message_id))
        session.commit()
        if status == Delivery.FAILED:
            report.failed.append(message_id)
        elif status == Delivery.QUEUED:
            report.queued.append(message_id)
        elif status != Delivery.SENDING:
            report.sent.append(message_id)


def _enqueue(
    session: Session, connection: Any, ids: list[int], report: SweepReport, *, now: datetime
) -> None:
    """Redis: enqueue the send jobs again, re-arming each message first (if this process
    dies before the enqueue, the next sweep after ``REARM`` tries again)."""
    rows = session.execute(
        select(Message.id, Message.channel).where(
            Message.id.in_(ids), Message.delivery_status == Delivery.QUEUED.value
        )
    ).all()
    session.execute(
        update(Message)
        .where(Message.id.in_([r.id for r in rows]))
        .values(delivery_due_at=now + REARM)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    for message_id, channel in rows:
        sender = SENDERS.get(channel)
        if sender is None:
            continue
        Queue(sender.queue, connection=connection).enqueue(
            sender.function(), message_id, retry=sender.retry()
        )
        report.enqueued.append(message_id)
