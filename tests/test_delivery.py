"""Outgoing messages survive a crash: the claim, the hand-over and the delivery sweep.

A lost job is simulated by dropping the inline runner's list after the commit (what a
``kill -9`` of the process does); a crashed sender by setting the state it would have left.
The real ``kill -9`` runs are in ``tests/test_kill9.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, current_app
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk import clock, jobs
from helpdesk.audit.models import AuditEvent
from helpdesk.channels.email.outbound import send_email_job
from helpdesk.tickets import delivery
from helpdesk.tickets.models import Message, Ticket
from tests.channels.email.test_smtp import Inbox, open_by_email, smtp  # noqa: F401
from tests.conftest import FIXED_NOW, REDIS_TEST_URL, require_service

LATER = FIXED_NOW + timedelta(minutes=2)


def lost_acknowledgement(session: Session, message_id: str = "root@correo.mx") -> Message:
    """A ticket whose acknowledgement was committed ``queued`` and whose job was lost."""
    ticket = open_by_email(session, message_id)
    session.commit()
    session.info.pop("aclara.ready_jobs", None)  # the process died before running it
    ack = ticket.messages[-1]
    assert (ack.delivery_status, ack.delivery_due_at) == ("queued", FIXED_NOW)
    return ack


def sweep_at(session: Session, moment) -> delivery.SweepReport:
    with clock.freeze(moment):
        return delivery.sweep(session, locale=current_app.config["DEFAULT_LOCALE"], now=moment)


def test_the_sweep_sends_an_acknowledgement_whose_job_was_lost(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)

    report = sweep_at(session, LATER)

    assert report.sent == [ack.id]
    assert len(smtp.messages) == 1
    session.refresh(ack)
    assert (ack.delivery_status, ack.delivery_due_at, ack.delivery_attempts) == ("sent", None, 1)


def test_a_second_sweep_sends_nothing(session: Session, smtp: Inbox) -> None:  # noqa: F811
    lost_acknowledgement(session)
    sweep_at(session, LATER)

    again = sweep_at(session, LATER + timedelta(minutes=5))

    assert again == delivery.SweepReport()
    assert len(smtp.messages) == 1


def test_the_sweep_leaves_a_message_queued_less_than_a_minute_to_its_job(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)

    assert sweep_at(session, FIXED_NOW + timedelta(seconds=59)) == delivery.SweepReport()
    assert smtp.messages == [] and ack.delivery_status == "queued"


def test_the_normal_job_and_the_sweep_send_once_between_them(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    send_email_job(ack.id)  # the job was late, not lost
    sweep_at(session, LATER)
    send_email_job(ack.id)  # and RQ ran it twice
    assert len(smtp.messages) == 1


def test_a_second_claim_gets_nothing(session: Session) -> None:
    ack = lost_acknowledgement(session)

    first = delivery.claim(session, ack.id, now=FIXED_NOW)
    second = delivery.claim(session, ack.id, now=FIXED_NOW)

    assert (first, second) == (1, None)
    session.refresh(ack)
    assert ack.delivery_status == "sending"


def crashed_while_sending(session: Session, ack: Message, *, handed_over: bool) -> None:
    """The state a sender killed after its claim (and maybe its hand-over) leaves."""
    attempt = delivery.claim(session, ack.id, now=FIXED_NOW)
    if handed_over:
        delivery.hand_over(session, ack.id, attempt, now=FIXED_NOW)
    session.refresh(ack)
    assert ack.delivery_status == "sending"


def test_a_send_killed_before_the_hand_over_is_sent_once_its_claim_lapses(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    crashed_while_sending(session, ack, handed_over=False)

    assert sweep_at(session, FIXED_NOW + delivery.CLAIM - timedelta(seconds=1)).requeued == []
    assert smtp.messages == []  # the sender may still be alive: its claim holds

    report = sweep_at(session, FIXED_NOW + delivery.CLAIM)

    assert (report.requeued, report.sent) == ([ack.id], [ack.id])
    assert len(smtp.messages) == 1
    session.refresh(ack)
    assert (ack.delivery_status, ack.delivery_attempts) == ("sent", 2)


def test_a_send_killed_after_the_hand_over_is_never_resent_and_the_agent_sees_why(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    crashed_while_sending(session, ack, handed_over=True)

    report = sweep_at(session, FIXED_NOW + delivery.HANDED_OVER + timedelta(seconds=1))

    assert (report.interrupted, report.sent, report.requeued) == ([ack.id], [], [])
    assert smtp.messages == []
    session.refresh(ack)
    assert ack.delivery_status == "failed" and ack.delivery_due_at is None
    assert ack.delivery_error.startswith("Interrumpido")  # in the default language
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message.delivery_failed")
    )
    assert event is not None and event.before == {"delivery": "sending"}
    assert sweep_at(session, FIXED_NOW + timedelta(hours=1)) == delivery.SweepReport()


def test_the_interrupted_reason_shows_on_the_ticket(
    client, session: Session, signed_in, smtp: Inbox  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    crashed_while_sending(session, ack, handed_over=True)
    sweep_at(session, FIXED_NOW + delivery.HANDED_OVER + timedelta(seconds=1))
    session.commit()
    signed_in()

    page = client.get(f"/tickets/{ack.ticket.folio}").get_data(as_text=True)

    assert "No entregado: Interrumpido" in page


def test_a_sender_whose_claim_was_taken_over_does_not_send(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    stale = delivery.claim(session, ack.id, now=FIXED_NOW)
    sweep_at(session, FIXED_NOW + delivery.CLAIM)  # takes it over and sends it
    assert len(smtp.messages) == 1

    with pytest.raises(delivery.ClaimLost):
        delivery.hand_over(session, ack.id, stale, now=FIXED_NOW + delivery.CLAIM)
    assert len(smtp.messages) == 1


def test_a_message_that_keeps_killing_its_sender_is_given_up(
    session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    ack = lost_acknowledgement(session)
    session.execute(
        update(Message)
        .where(Message.id == ack.id)
        .values(delivery_attempts=delivery.MAX_ATTEMPTS - 1)
    )
    session.commit()
    crashed_while_sending(session, ack, handed_over=False)

    report = sweep_at(session, FIXED_NOW + delivery.CLAIM)

    assert report.gave_up == [ack.id] and smtp.messages == []
    session.refresh(ack)
    assert ack.delivery_status == "failed" and "6" in ack.delivery_error


def test_replies_on_channels_without_a_sender_are_left_alone(session: Session, make) -> None:
    from helpdesk.tickets import services as tickets

    ack = lost_acknowledgement(session)
    ticket = session.get(Ticket, ack.ticket_id)
    ticket.channel = "portal"
    reply = tickets.reply(session, ticket, author=make.user(), text="Hola", now=FIXED_NOW)
    session.commit()
    session.info.pop("aclara.ready_jobs", None)
    ack.delivery_status = "sent"
    session.commit()

    assert sweep_at(session, LATER) == delivery.SweepReport()
    assert reply.delivery_status == "queued"


# --- With Redis: the sweep re-enqueues, and re-arms so it does not flood the queue -------


@pytest.fixture
def redis13(app: Flask, monkeypatch: pytest.MonkeyPatch):
    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    yield connection
    connection.flushdb()


@pytest.mark.redis
def test_with_redis_the_sweep_enqueues_a_lost_send_job_once(
    session: Session, redis13: Redis
) -> None:
    ticket = open_by_email(session)
    session.commit()  # with Redis the job went to RQ right after this commit ...
    redis13.flushdb()  # ... and was lost (a Redis restart without persistence)
    ack = ticket.messages[-1]

    report = sweep_at(session, LATER)
    again = sweep_at(session, LATER + timedelta(minutes=1))

    assert report.enqueued == [ack.id] and again == delivery.SweepReport()
    [job] = Queue("mail", connection=redis13).get_jobs()
    assert job.func_name == "helpdesk.channels.email.outbound.send_email_job"
    assert job.args == (ack.id,) and job.retries_left == 4
    session.refresh(ack)
    assert ack.delivery_due_at == LATER + delivery.REARM
    assert jobs.CronEntry(
        name="delivery.sweep",
        func="helpdesk.tickets.delivery.sweep_job",
        queue="mail",
        interval=60,
    ) in jobs.CRON_TABLE
