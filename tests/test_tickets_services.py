"""Ticket services: each change is stored with its audit event, folios are unique."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.tickets import services
from helpdesk.tickets.models import Attachment
from helpdesk.tickets.services import IncomingFile, TicketError


def actions(session, ticket):
    return [
        e.action
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
        )
    ]


def test_open_ticket_gets_a_folio_first_message_and_audit(session, make):
    queue = make.queue("Aclaraciones")
    ticket = make.ticket(queue=queue, subject="Cargo no reconocido")

    assert re.fullmatch(r"ACL-2026-\d{6}", ticket.folio)
    assert ticket.status == "new" and ticket.queue is queue
    assert [m.direction for m in ticket.messages] == ["in"]
    assert "No reconozco" in ticket.messages[0].text
    assert actions(session, ticket) == ["ticket.opened"]


def test_folios_are_consecutive_and_unique(session, make):
    folios = [make.ticket().folio for _ in range(5)]
    numbers = [int(f.rsplit("-", 1)[1]) for f in folios]
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert len(set(folios)) == 5


def test_folio_counter_restarts_each_year(session, make):
    from datetime import UTC, datetime

    with clock.freeze(datetime(2027, 1, 1, 6, tzinfo=UTC)):
        assert make.ticket().folio == "ACL-2027-000001"


def test_reply_is_queued_sets_first_response_and_opens(session, make):
    agent = make.user()
    ticket = make.ticket()
    message = services.reply(
        session, ticket, author=agent, text="Recibimos su aclaración.", now=clock.now()
    )

    assert message.direction == "out" and message.delivery_status == "queued"
    assert message.channel == "email"
    assert ticket.first_response_at == clock.now()
    assert ticket.status == "open"
    assert actions(session, ticket) == ["ticket.opened", "message.replied", "ticket.status_changed"]


def test_note_is_internal_and_audited(session, make):
    agent = make.user()
    ticket = make.ticket()
    before = ticket.last_activity_at
    note = services.add_note(
        session, ticket, author=agent, text="Revisar con el banco", now=clock.now()
    )
    assert note.direction == "note" and note.delivery_status is None
    assert ticket.last_activity_at == before  # notes are not conversation activity
    assert actions(session, ticket)[-1] == "message.noted"


def test_empty_reply_is_refused(session, make):
    with pytest.raises(TicketError):
        services.reply(session, make.ticket(), author=make.user(), text="  ", now=clock.now())


def test_assign_records_before_and_after(session, make):
    first, second = make.user(), make.user()
    ticket = make.ticket()
    actor = Actor.for_user(first)
    services.assign(session, ticket, first, actor=actor, now=clock.now())
    services.assign(session, ticket, second, actor=actor, now=clock.now())
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ticket.assigned").order_by(AuditEvent.id)
    ).all()[-1]
    assert event.before == {"assignee": first.email}
    assert event.after == {"assignee": second.email}


def test_assigning_an_inactive_user_is_refused(session, make):
    user = make.user()
    user.is_active_user = False
    with pytest.raises(TicketError):
        services.assign(session, make.ticket(), user, actor=Actor.system(), now=clock.now())


def test_status_resolved_then_debtor_writes_reopens(session, make):
    ticket = make.ticket()
    services.set_status(session, ticket, "resolved", actor=Actor.system(), now=clock.now())
    assert ticket.resolved_at == clock.now()

    services.append_inbound(
        session,
        ticket,
        text="Sigue apareciendo el cargo",
        channel="email",
        contact=ticket.contact,
        now=clock.now(),
    )
    assert ticket.status == "open" and ticket.resolved_at is None
    assert actions(session, ticket)[-3:] == [
        "ticket.status_changed",
        "message.received",
        "ticket.status_changed",
    ]


def test_priority_and_type_changes_are_validated_and_audited(session, make):
    ticket = make.ticket()
    services.set_priority(session, ticket, "urgent", actor=Actor.system(), now=clock.now())
    services.set_type(session, ticket, "complaint", actor=Actor.system(), now=clock.now())
    assert (ticket.priority, ticket.type) == ("urgent", "complaint")
    assert actions(session, ticket)[-2:] == ["ticket.priority_changed", "ticket.type_changed"]
    with pytest.raises(ValueError):
        services.set_priority(session, ticket, "whenever", actor=Actor.system(), now=clock.now())


def test_attachments_are_content_addressed(session, make, app):
    pdf = b"%PDF-1.4 estado de cuenta"
    files = [
        IncomingFile("../../etc/estado de cuenta.pdf", "application/pdf", pdf),
        IncomingFile("copia.pdf", "application/pdf", pdf),
    ]
    ticket = make.ticket(files=files)

    stored = session.scalars(select(Attachment).order_by(Attachment.id)).all()[-2:]
    assert [a.filename for a in stored] == ["estado de cuenta.pdf", "copia.pdf"]
    assert stored[0].sha256 == stored[1].sha256
    with app.app_context():
        path = storage.path_for(stored[0].sha256, storage.root_for(app.config["DATA_DIR"]))
        assert path.read_bytes() == pdf
        assert stored[0].sha256[:2] in path.parts
    assert ticket.messages[0].attachments == stored
