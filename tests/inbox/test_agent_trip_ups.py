"""What agents tripped over in the inbox (issue #14, item 9), each pinned by a test."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold
from helpdesk.tickets import services
from helpdesk.tickets.models import Message


def _dispute(make, session):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    session.commit()
    assert hold_queries.has_open_hold(session, ticket.id)
    return ticket


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolving_a_dispute_without_its_outcome_is_refused(
    client, signed_in, make, session, status
):
    signed_in()
    ticket = _dispute(make, session)
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert 'name="outcome"' in page.split('class="card status-card"')[1].split("</section>")[0]

    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": status})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Elija el resultado de la disputa" in page
    assert "El estado no cambió: elija el resultado de la disputa." in page
    session.refresh(ticket)
    assert ticket.status == "new"  # nothing changed
    assert hold_queries.outcome_of(session, ticket.id) is None
    assert session.scalar(select(Hold).where(Hold.ticket_id == ticket.id)).closed_at is None

    response = client.post(
        f"/tickets/{ticket.folio}/status", data={"status": status, "outcome": "partial"}
    )
    assert response.status_code == 302
    session.refresh(ticket)
    assert ticket.status == status
    assert hold_queries.outcome_of(session, ticket.id).outcome == "partial"
    hold = session.scalar(select(Hold).where(Hold.ticket_id == ticket.id))
    assert hold.closed_at is not None and hold.outcome == "partial"


def test_the_service_refuses_too_and_send_and_resolve_asks_for_the_outcome(
    client, signed_in, make, session
):
    agent = signed_in()
    ticket = _dispute(make, session)
    with pytest.raises(holds.OutcomeRequired):
        holds.change_status(
            session, ticket, "resolved", actor=Actor.for_user(agent), now=clock.now()
        )
    response = client.post(
        f"/tickets/{ticket.folio}/email",
        data={"text": "Su aclaración procede.", "cc": "", "then": "resolved"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Elija el resultado de la disputa" in page
    assert page.count("Su aclaración procede.") == 1  # back in the reply, not the note
    session.refresh(ticket)
    assert ticket.status == "new"
    assert not [m for m in ticket.messages if m.direction == "out"]


def test_a_ticket_without_holds_resolves_without_an_outcome(client, signed_in, make, session):
    signed_in()
    ticket = make.ticket(type="information")
    session.commit()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert 'name="outcome"' not in page
    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": "resolved"})
    assert response.status_code == 302
    session.refresh(ticket)
    assert ticket.status == "resolved"


def test_the_status_control_shows_new_for_a_new_ticket(client, signed_in, make, session):
    agent = signed_in()
    ticket = make.ticket(type="information")
    session.commit()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    selected = re.findall(r'<option selected value="([a-z_]+)">([^<]+)</option>', page)
    assert ("new", "Nuevo") in selected
    assert ("open", "Abierto") not in selected

    services.set_status(session, ticket, "open", actor=Actor.for_user(agent), now=clock.now())
    session.commit()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert 'value="new"' not in page  # "new" is shown, never offered
    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": "new"})
    assert response.status_code == 422


def test_the_timeline_speaks_in_sentences_with_names(client, signed_in, make, session):
    agent = signed_in(name="Lucía Herrera")
    other = make.user(name="Agente Uno", email="agente1@demo.aclara.mx")
    queue = make.queue("Disputas")
    ticket = make.ticket(type="information")
    now = clock.now()
    services.assign(session, ticket, other, actor=Actor.system("demo"), now=now)
    services.set_queue(session, ticket, queue, actor=Actor.system("routing"), now=now)
    services.assign(session, ticket, None, actor=Actor.for_user(agent), now=now)
    services.set_status(session, ticket, "pending", actor=Actor.for_user(agent), now=now)
    session.commit()

    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    history = " ".join(re.findall(r'<li class="event[^"]*">(.*?)</li>', page, re.DOTALL))
    for sentence in (
        "Demo asignó el ticket a Agente Uno",
        "El enrutamiento movió el ticket a la cola Disputas",
        "Lucía Herrera dejó el ticket sin asignar",
        "Lucía Herrera cambió el estado de Nuevo a En espera del deudor",
    ):
        assert sentence in history
    assert "agente1@" not in history and "—" not in history and "→" not in history


def test_a_note_carries_attachments(client, signed_in, make, session):
    signed_in()
    ticket = make.ticket(type="information")
    session.commit()
    response = client.post(
        f"/tickets/{ticket.folio}/notes",
        data={
            "text": "Adjunto el estado de cuenta que envió el banco.",
            "files": [(io.BytesIO(b"%PDF-1.4 estado"), "estado-noviembre.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    note = session.scalar(select(Message).where(Message.direction == "note"))
    (attachment,) = note.attachments
    assert attachment.filename == "estado-noviembre.pdf"
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "estado-noviembre.pdf" in page
    download = client.get(f"/attachments/{attachment.id}")
    assert download.data == b"%PDF-1.4 estado"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_reopened_dispute_asks_for_its_outcome_again(client, signed_in, make, session):
    signed_in()
    ticket = _dispute(make, session)
    data = {"status": "resolved", "outcome": "unfavourable"}
    assert client.post(f"/tickets/{ticket.folio}/status", data=data).status_code == 302
    services.append_inbound(  # the debtor writes again: the ticket and its holds reopen
        session,
        ticket,
        text="No estoy de acuerdo.",
        channel="email",
        contact=ticket.contact,
        now=clock.now(),
    )
    session.commit()
    assert hold_queries.has_open_hold(session, ticket.id)
    response = client.post(f"/tickets/{ticket.folio}/status", data={"status": "resolved"})
    assert response.status_code == 422
    data = {"status": "resolved", "outcome": "favourable"}
    assert client.post(f"/tickets/{ticket.folio}/status", data=data).status_code == 302
    assert hold_queries.outcome_of(session, ticket.id).outcome == "favourable"
    assert not hold_queries.has_open_hold(session, ticket.id)
