"""Collisions on a ticket (issue #14, item 5): who else has it open and who is typing a
reply (the heartbeat), and a reply written on top of a message the agent has not seen is
stopped, nothing sent or stored, until the agent reads it or sends anyway."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import clock, events
from helpdesk.presence.store import EXTENSION, LocalPresence
from helpdesk.tickets import services
from helpdesk.tickets.models import Message
from tests.factories import PASSWORD

NOTICE = (
    "Llegó un mensaje nuevo mientras usted escribía. Léalo y después envíe, o envíe de todos modos."
)


@pytest.fixture
def store(app, monkeypatch):
    """A fresh in-process store: the session-wide app's would remember other tests."""
    fresh = LocalPresence()
    monkeypatch.setitem(app.extensions, EXTENSION, fresh)
    return fresh


def _sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _seen_id(page: str) -> int:
    return int(re.search(r'name="seen_message_id" value="(\d+)"', page).group(1))


def _debtor_writes(session, ticket, text: str) -> Message:
    message = services.append_inbound(
        session, ticket, text=text, channel=ticket.channel, contact=ticket.contact, now=clock.now()
    )
    session.commit()
    return message


def _outgoing(session, ticket) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == "out")
    )


# --- The heartbeat ----------------------------------------------------------------------


def test_two_agents_on_one_ticket_see_each_other_and_who_is_typing(
    app, cookie_client, session, make, store
):
    lucia, sofia = make.user(name="Lucía Herrera"), make.user(name="Sofía Méndez", role="admin")
    ticket = make.ticket()
    session.commit()
    other = app.test_client()
    _sign_in(cookie_client, lucia)
    _sign_in(other, sofia)
    url = f"/tickets/{ticket.folio}/presence"

    first = cookie_client.post(url, json={"typing": False})
    assert first.status_code == 200
    assert first.json["others"] == []
    assert first.json["newest_inbound_id"] == ticket.messages[0].id

    assert other.post(url, json={"typing": True}).json["others"] == [
        {
            "name": "Lucía Herrera",
            "typing": False,
            "text": "Lucía Herrera también está viendo este caso",
        }
    ]
    assert cookie_client.post(url, json={"typing": False}).json["others"] == [
        {
            "name": "Sofía Méndez",
            "typing": True,
            "text": "Sofía Méndez está escribiendo una respuesta…",
        }
    ]

    assert other.post(f"{url}/leave").status_code == 204  # the tab was closed
    assert cookie_client.post(url, json={"typing": False}).json["others"] == []


def test_the_heartbeat_reports_a_message_that_arrived_after_the_page(
    client, signed_in, session, make, store
):
    signed_in()
    ticket = make.ticket()
    session.commit()
    seen = _seen_id(client.get(f"/tickets/{ticket.folio}").get_data(as_text=True))
    beat = client.post(f"/tickets/{ticket.folio}/presence", json={})
    assert beat.json["newest_inbound_id"] == seen

    later = _debtor_writes(session, ticket, "Ya pagué, le mando el comprobante.")
    beat = client.post(f"/tickets/{ticket.folio}/presence", json={})
    assert beat.json["newest_inbound_id"] == later.id > seen


def test_the_heartbeat_is_for_signed_in_staff_only(client, session, make, store):
    ticket = make.ticket()
    session.commit()
    response = client.post(f"/tickets/{ticket.folio}/presence", json={"typing": True})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert store.viewers(ticket.id) == []


def test_the_heartbeat_needs_the_csrf_token(
    app, client, signed_in, session, make, store, monkeypatch
):
    agent = signed_in()
    ticket = make.ticket()
    session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # after signing in
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    url = f"/tickets/{ticket.folio}/presence"

    assert client.post(url, json={"typing": False}).status_code == 400
    assert client.post(f"{url}/leave").status_code == 400
    assert store.viewers(ticket.id) == []

    response = client.post(url, json={"typing": False}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert [v.user_id for v in store.viewers(ticket.id)] == [agent.id]
    # The goodbye is a beacon: a form post carrying the token in its body.
    assert client.post(f"{url}/leave", data={"csrf_token": token}).status_code == 204
    assert store.viewers(ticket.id) == []


def test_a_bad_heartbeat_gets_a_clear_answer(client, signed_in, session, make, store):
    signed_in()
    ticket = make.ticket()
    session.commit()
    url = f"/tickets/{ticket.folio}/presence"
    response = client.post(url, data="typing", content_type="application/json")
    assert response.status_code == 400
    assert "Envíe JSON" in response.json["error"]
    assert client.post(url, json={"typing": "yes"}).status_code == 400
    assert client.post("/tickets/ACL-2026-999999/presence", json={}).status_code == 404


def test_the_ticket_page_carries_the_presence_bar(client, signed_in, session, make):
    signed_in()
    ticket = make.ticket()
    session.commit()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert 'data-presence aria-live="polite"' in page
    assert "js/presence.js" in page
    assert f'data-seen="{ticket.messages[0].id}"' in page


# --- The guard on the email reply -------------------------------------------------------


@pytest.fixture
def queued(app):
    """The replies handed to a channel's send job (``events.reply_queued``)."""
    seen: list[int] = []

    def receiver(ticket, **extra):
        seen.append(extra["message"].id)

    events.reply_queued.connect(receiver)
    yield seen
    events.reply_queued.disconnect(receiver)


SEND_ANYWAY = {
    "": "Enviar de todos modos",
    "pending": "Enviar de todos modos y dejar pendiente",
    "resolved": "Enviar de todos modos y resolver",
}


@pytest.mark.parametrize("then", ["", "pending", "resolved"])
def test_an_email_reply_on_top_of_an_unseen_message_is_stopped_and_kept(
    app, client, signed_in, session, make, monkeypatch, tmp_path, queued, then
):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    signed_in()
    ticket = make.ticket()
    session.commit()
    seen = _seen_id(client.get(f"/tickets/{ticket.folio}").get_data(as_text=True))
    new = _debtor_writes(session, ticket, "Ya pagué ayer, le mando el comprobante.")
    before = _outgoing(session, ticket)

    typed = "Con gusto revisamos su cargo del 3 de noviembre."
    response = client.post(
        f"/tickets/{ticket.folio}/email",
        data={"text": typed, "cc": "hermana@correo.mx", "then": then, "seen_message_id": seen},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert NOTICE in page
    assert typed in page and 'value="hermana@correo.mx"' in page  # nothing typed is lost
    assert "Ya pagué ayer, le mando el comprobante." in page  # the new message, shown
    highlighted = rf'class="message message-in[^"]* message-arrived" id="message-{new.id}"'
    assert re.search(highlighted, page)
    assert f'name="then" value="{then}">{SEND_ANYWAY[then]}</button>' in page
    # Nothing stored, sent or changed.
    session.expire_all()
    assert _outgoing(session, ticket) == before
    assert queued == []
    assert not list((Path(tmp_path) / "outbox").glob("*.eml"))
    assert ticket.status == "new"

    # "Send anyway": the stopped page's form now carries the new message's id.
    assert _seen_id(page) == new.id
    response = client.post(
        f"/tickets/{ticket.folio}/email",
        data={
            "text": typed,
            "cc": "hermana@correo.mx",
            "then": then,
            "seen_message_id": new.id,
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert _outgoing(session, ticket) == before + 1
    assert len(queued) == 1
    assert ticket.status == (then or "open")


def test_a_reply_from_an_up_to_date_page_goes_at_once(client, signed_in, session, make, queued):
    signed_in()
    ticket = make.ticket()
    session.commit()
    seen = _seen_id(client.get(f"/tickets/{ticket.folio}").get_data(as_text=True))
    response = client.post(
        f"/tickets/{ticket.folio}/email", data={"text": "Lo revisamos.", "seen_message_id": seen}
    )
    assert response.status_code == 302
    assert len(queued) == 1


def test_a_mangled_seen_id_asks_rather_than_sends(client, signed_in, session, make, queued):
    signed_in()
    ticket = make.ticket()
    session.commit()
    response = client.post(
        f"/tickets/{ticket.folio}/email", data={"text": "Lo revisamos.", "seen_message_id": "x1"}
    )
    assert response.status_code == 422
    assert NOTICE in response.get_data(as_text=True)
    assert queued == []


def test_an_auto_reply_from_the_debtor_does_not_stop_a_reply(
    client, signed_in, session, make, queued
):
    signed_in()
    ticket = make.ticket()
    session.commit()
    seen = _seen_id(client.get(f"/tickets/{ticket.folio}").get_data(as_text=True))
    _debtor_writes(session, ticket, "Estoy fuera de la oficina.").is_automatic = True
    session.commit()
    response = client.post(
        f"/tickets/{ticket.folio}/email", data={"text": "Lo revisamos.", "seen_message_id": seen}
    )
    assert response.status_code == 302
    assert len(queued) == 1


def test_without_redis_presence_is_kept_in_the_process(app):
    from helpdesk.presence.store import presence_store

    assert app.config["REDIS_URL"] is None
    assert isinstance(presence_store(app), LocalPresence)


def test_notes_are_not_stopped(client, signed_in, session, make):
    signed_in()
    ticket = make.ticket()
    session.commit()
    _debtor_writes(session, ticket, "Otro mensaje.")
    response = client.post(f"/tickets/{ticket.folio}/notes", data={"text": "Lo vemos mañana."})
    assert response.status_code == 302


def test_a_heartbeat_stays_small_however_long_the_conversation(
    client, signed_in, session, make, store, count_queries
):
    """Every open ticket page beats every 5 s: the ticket and its messages are not loaded."""
    signed_in()
    ticket = make.ticket()
    for n in range(30):
        services.append_inbound(
            session,
            ticket,
            text=f"Mensaje {n}",
            channel="email",
            contact=ticket.contact,
            now=clock.now(),
        )
    session.commit()
    client.post(f"/tickets/{ticket.folio}/presence", json={})  # warm caches
    with count_queries() as counter:
        response = client.post(f"/tickets/{ticket.folio}/presence", json={})
    assert response.json["newest_inbound_id"] == ticket.messages[-1].id
    assert counter.count <= 3  # the session's user and sign-in, the watermark
