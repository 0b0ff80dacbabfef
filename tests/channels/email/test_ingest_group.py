"""A group of messages ingested with one flush ends exactly as one-by-one ingestion would:
same tickets, threads, duplicates, quarantines, acknowledgements, gapless folios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.channels.email import ingest_group as group_module
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.channels.email.ingest_group import RawMail, ingest_group
from helpdesk.channels.email.models import InboundEmail
from helpdesk.queues.models import Queue
from helpdesk.routing.services import save_rule
from helpdesk.sla.calendar import cdmx
from helpdesk.sla.models import TicketDeadline
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy
from helpdesk.tickets.models import Message, Ticket
from tests.channels.email.mail import raw_email
from tests.factories import email_settings


def mails(*raws: bytes) -> list[RawMail]:
    return [RawMail(raw, f"test:{n}") for n, raw in enumerate(raws)]


def tickets_by_message(session: Session) -> dict[str, tuple[str, str, bool]]:
    """Each stored message's external id -> (its ticket's subject, direction, automatic)."""
    rows = session.execute(
        select(Message.external_id, Ticket.subject, Message.direction, Message.is_automatic)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(Message.external_id.is_not(None))
    )
    return {ext: (subject, direction, auto) for ext, subject, direction, auto in rows}


def folios(session: Session) -> list[int]:
    return sorted(int(f.rsplit("-", 1)[1]) for f in session.scalars(select(Ticket.folio)))


def test_replies_thread_on_parents_in_the_same_group_in_any_order(session: Session) -> None:
    parent = raw_email(message_id="p1@correo.mx", subject="Aclaración")
    reply = raw_email(
        message_id="r1@correo.mx", in_reply_to="p1@correo.mx", subject="Re: Aclaración"
    )
    late_parent = raw_email(message_id="p2@correo.mx", subject="Cargo duplicado")
    early_reply = raw_email(
        message_id="r2@correo.mx",
        references=["p2@correo.mx"],
        subject="Re: Cargo duplicado",
    )

    results = ingest_group(
        session,
        mails(parent, reply, early_reply, late_parent, parent),
        settings=email_settings(),
        now=clock.now(),
    )

    actions = [r.action for r in results]
    assert actions == ["created", "appended", "created", "appended", "duplicate"]
    assert results[0].folio == results[1].folio == results[4].folio
    assert results[2].folio == results[3].folio != results[0].folio
    assert session.scalar(select(func.count(Ticket.id))) == 2
    assert folios(session) == [1, 2]  # the unused reservation was given back


def test_a_bad_message_is_quarantined_alone(session: Session, monkeypatch) -> None:
    good = raw_email(message_id="g1@correo.mx")
    junk = b"\x00\x00\x00"
    results = ingest_group(session, mails(good, junk), settings=email_settings(), now=clock.now())
    assert [r.action for r in results] == ["created", "quarantined"]
    assert "unparseable" in results[1].reason


def test_a_group_that_fails_is_ingested_one_by_one(session: Session, monkeypatch) -> None:
    """Intake failing inside the group (here: on one message) undoes the group; each message
    then goes alone, and only the culprit is quarantined."""
    real_receive = group_module.receive
    poisoned = raw_email(message_id="veneno@correo.mx", subject="Veneno")

    def receive_failing_on_poison(session: Session, inbound: Any, **kwargs: Any) -> Any:
        if inbound.external_id == "veneno@correo.mx":
            raise RuntimeError("boom")
        return real_receive(session, inbound, **kwargs)

    monkeypatch.setattr(group_module, "receive", receive_failing_on_poison)
    monkeypatch.setattr(
        "helpdesk.channels.email.ingest.receive",
        lambda session, inbound, **kw: receive_failing_on_poison(session, inbound, **kw),
    )
    first = raw_email(message_id="a1@correo.mx")
    last = raw_email(message_id="a2@correo.mx", sender=("Ana", "ana@correo.mx"))

    results = ingest_group(
        session, mails(first, poisoned, last), settings=email_settings(), now=clock.now()
    )

    assert [r.action for r in results] == ["created", "quarantined", "created"]
    assert "RuntimeError: boom" in results[1].reason
    stored = session.scalars(select(InboundEmail.action).order_by(InboundEmail.id)).all()
    assert stored == ["created", "quarantined", "created"]
    assert folios(session) == [1, 2]


def test_the_acknowledgement_cap_holds_inside_one_group(session: Session, app) -> None:
    limit = app.config["ACK_LIMIT"][0]
    flood = [
        raw_email(message_id=f"f{n}@correo.mx", subject=f"Asunto distinto {n}")
        for n in range(limit + 3)
    ]

    results = ingest_group(session, mails(*flood), settings=email_settings(), now=clock.now())

    assert {r.action for r in results} == {"created"}
    acknowledgements = session.scalar(
        select(func.count(Message.id)).where(Message.is_automatic, Message.direction == "out")
    )
    assert acknowledgements == limit


@pytest.mark.parametrize("with_sla", [False, True], ids=["no-sla", "sla"])
def test_a_corpus_ends_the_same_in_groups_as_one_by_one(
    session: Session, tmp_path: Path, with_sla: bool
) -> None:
    if with_sla:
        _policies_for_every_queue(session)
    command = [sys.executable, "-m", "tests.mailgen", "--count", "120", "--seed", "11"]
    subprocess.run([*command, "--out", str(tmp_path)], check=True, capture_output=True)
    raws = [path.read_bytes() for path in sorted(tmp_path.glob("*.eml"))]

    savepoint = session.begin_nested()
    one_by_one = [
        ingest_raw(session, raw, source=f"t:{n}", settings=email_settings(), now=clock.now()).action
        for n, raw in enumerate(raws)
    ]
    expected = (
        tickets_by_message(session),
        folios(session),
        _audit_actions(session),
        _deadlines(session),
    )
    assert bool(expected[3]) == with_sla
    savepoint.rollback()

    grouped = []
    for start in range(0, len(raws), 50):
        chunk = mails(*raws[start : start + 50])
        grouped += [
            r.action
            for r in ingest_group(session, chunk, settings=email_settings(), now=clock.now())
        ]

    assert grouped == one_by_one
    assert "appended" in grouped and "created" in grouped
    assert (
        tickets_by_message(session),
        folios(session),
        _audit_actions(session),
        _deadlines(session),
    ) == expected


def _policies_for_every_queue(session: Session) -> None:
    """All mail routed to one queue with an SLA policy, so appends move real clocks."""
    now, actor = clock.now(), Actor.system("test")
    queue = Queue(name="General", slug="general", created_at=now)
    session.add(queue)
    session.flush()
    calendar = save_calendar(
        session, None, name="CDMX", config=cdmx().to_config(), actor=actor, now=now
    )
    values = PolicyValues(
        name="SLA General", queue=queue, calendar=calendar,
        first_response_amount=120, resolution_amount=600,
    )  # fmt: skip
    save_policy(session, None, values, actor=actor, now=now)
    save_rule(
        session, None, name="Todo", conditions={"channels": ["email"]},
        actions={"queue_id": queue.id}, stops=True, is_active=True, actor=actor, now=now,
    )  # fmt: skip


def _deadlines(session: Session) -> list[tuple[str, str, Any, Any]]:
    rows = session.execute(
        select(Ticket.folio, TicketDeadline.target, TicketDeadline.due_at, TicketDeadline.met_at)
        .join(Ticket, TicketDeadline.ticket_id == Ticket.id)
        .order_by(Ticket.folio, TicketDeadline.target)
    )
    return [tuple(row) for row in rows]


def _audit_actions(session: Session) -> dict[str, int]:
    rows = session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action))
    return dict(rows.all())


@pytest.mark.parametrize("size", [1, 3])
def test_small_groups_behave_like_single_messages(session: Session, size: int) -> None:
    raws = [raw_email(message_id=f"s{n}@correo.mx", subject=f"Caso {n}") for n in range(size)]
    results = ingest_group(session, mails(*raws), settings=email_settings(), now=clock.now())
    assert [r.action for r in results] == ["created"] * size
    assert folios(session) == list(range(1, size + 1))


def test_a_savepoint_rolled_back_inside_intake_makes_the_group_start_over(
    session: Session, monkeypatch
) -> None:
    """A rollback drops the group's lookups; the messages after it would be received blind
    to the earlier ones (a reply opening its own ticket), so the group is redone alone."""
    real_receive = group_module.receive

    def receive_with_a_rolled_back_savepoint(session: Session, inbound: Any, **kw: Any) -> Any:
        if inbound.external_id == "p9@correo.mx":
            try:
                with session.begin_nested():
                    raise ValueError("something inside intake tried and gave up")
            except ValueError:
                pass
        return real_receive(session, inbound, **kw)

    monkeypatch.setattr(group_module, "receive", receive_with_a_rolled_back_savepoint)
    parent = raw_email(message_id="p9@correo.mx", subject="Aclaración")
    reply = raw_email(message_id="r9@correo.mx", in_reply_to="p9@correo.mx", subject="Re: Ac")

    results = ingest_group(
        session, mails(parent, reply), settings=email_settings(), now=clock.now()
    )

    assert [r.action for r in results] == ["created", "appended"]
    assert results[0].folio == results[1].folio
    assert session.scalar(select(func.count(Ticket.id))) == 1
