"""Ratings on WhatsApp: a resolved WhatsApp ticket gets a 1–5 list inside the 24-hour
window (none outside it), and the debtor's choice is recorded and kept in the thread
without reopening the ticket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpdesk import clock
from helpdesk.channels.whatsapp.models import WhatsAppMessage
from helpdesk.ratings.models import Rating
from helpdesk.tickets.models import Ticket
from tests.channels.whatsapp.conftest import deliver, fixture_bytes, payload, stored
from tests.ratings.conftest import set_status

T = 1795449000  # the debtor's message in text.json: ten minutes before the frozen clock
DEBTOR = "5215512345678"


def whatsapp_ticket(client, session, graph) -> Ticket:
    deliver(client, fixture_bytes("text.json"))
    graph.requests.clear()  # the acknowledgement went out already
    return session.scalar(select(Ticket))


def list_reply(wamid: str, row: dict, context_id: str, frm: str = DEBTOR) -> dict:
    return {
        "from": frm,
        "id": wamid,
        "timestamp": str(T + 300),
        "type": "interactive",
        "context": {"from": "525550000000", "id": context_id},
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": row["id"], "title": row["title"]},
        },
    }


def test_a_resolved_whatsapp_ticket_gets_a_list_and_the_choice_is_recorded(client, session, graph):
    ticket = whatsapp_ticket(client, session, graph)

    set_status(session, ticket, "resolved")

    (sent,) = graph.sent()  # the list alone: no acuse, which goes with the acknowledgement
    assert sent["type"] == "interactive" and sent["to"] == "+525512345678"
    interactive = sent["interactive"]
    assert interactive["type"] == "list" and ticket.folio in interactive["body"]["text"]
    assert interactive["action"]["button"] == "Calificar"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == [
        "5 · Muy buena", "4 · Buena", "3 · Regular", "2 · Mala", "1 · Muy mala",
    ]  # fmt: skip
    assert all(len(r["id"]) <= 200 and len(r["title"]) <= 24 for r in rows)
    request = session.scalar(select(WhatsAppMessage).where(WhatsAppMessage.kind == "interactive"))
    wamid_sent = session.get(type(ticket.messages[0]), request.message_id).external_id

    deliver(client, payload(messages=[list_reply("wamid.RATING4", rows[1], wamid_sent)]))

    session.expire_all()
    (rating,) = session.scalars(select(Rating))
    assert (rating.ticket_id, rating.score, rating.channel) == (ticket.id, 4, "whatsapp")
    reply = stored(session, "wamid.RATING4")
    assert reply.ticket_id == ticket.id and reply.text == "4 · Buena"  # kept in the thread
    assert session.get(Ticket, ticket.id).status == "resolved"  # not reopened
    assert [s["type"] for s in graph.sent()] == ["interactive", "text"]  # and the thanks

    # The same webhook delivered twice records nothing more.
    deliver(client, payload(messages=[list_reply("wamid.RATING4", rows[1], wamid_sent)]))
    # Another choice from the same list: kept in the thread, the rating stays.
    deliver(client, payload(messages=[list_reply("wamid.RATING1", rows[4], wamid_sent)]))
    session.expire_all()
    assert [r.score for r in session.scalars(select(Rating))] == [4]
    assert stored(session, "wamid.RATING1").ticket_id == ticket.id


def test_a_choice_from_someone_else_or_a_forged_id_is_an_ordinary_message(client, session, graph):
    ticket = whatsapp_ticket(client, session, graph)
    set_status(session, ticket, "resolved")
    rows = graph.sent()[0]["interactive"]["action"]["sections"][0]["rows"]

    stranger = list_reply("wamid.STRANGER", rows[0], "wamid.x", frm="5215599998888")
    forged = list_reply("wamid.FORGED", {"id": rows[0]["id"][:-3] + "abc", "title": "5"}, "x")
    deliver(client, payload(messages=[stranger, forged]))

    assert session.scalars(select(Rating)).all() == []
    assert stored(session, "wamid.STRANGER").ticket_id != ticket.id
    assert stored(session, "wamid.FORGED") is not None  # nothing dropped


def test_outside_the_24_hour_window_no_list_is_sent(client, session, graph):
    ticket = whatsapp_ticket(client, session, graph)

    with clock.freeze(clock.now() + timedelta(hours=25)):
        set_status(session, ticket, "resolved")

    assert graph.sent() == []
    assert (
        session.scalar(select(WhatsAppMessage).where(WhatsAppMessage.kind == "interactive")) is None
    )
