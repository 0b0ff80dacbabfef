"""A WhatsApp reply written on top of a message the agent has not seen is stopped (issue
#14, item 5): nothing stored or sent, the text kept, "Send anyway" sends it."""

from __future__ import annotations

import re

from helpdesk import clock
from helpdesk.tickets import services
from tests.channels.whatsapp.test_outbound import human_messages, run_jobs, whatsapp_ticket


def _seen_id(page: str) -> int:
    form = page.split('id="whatsapp-composer"')[1]
    return int(re.search(r'name="seen_message_id" value="(\d+)"', form).group(1))


def test_a_whatsapp_reply_on_top_of_an_unseen_message_waits_for_the_agent(
    client, session, signed_in, graph
):
    ticket = whatsapp_ticket(client, session, graph)
    signed_in()
    session.commit()
    seen = _seen_id(client.get(f"/tickets/{ticket.folio}").get_data(as_text=True))
    new = services.append_inbound(
        session,
        ticket,
        text="Ya hice el depósito, ¿lo ven?",
        channel="whatsapp",
        contact=ticket.contact,
        now=clock.now(),
    )
    session.commit()

    typed = "Le confirmamos que revisamos su aclaración."
    response = client.post(
        f"/tickets/{ticket.folio}/whatsapp", data={"text": typed, "seen_message_id": seen}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Llegó un mensaje nuevo mientras usted escribía." in page
    assert f">{typed}</textarea>" in page
    assert "Ya hice el depósito, ¿lo ven?" in page
    run_jobs(session)
    assert human_messages(session) == 2  # the debtor's two; no reply stored
    assert graph.sent() == []

    assert _seen_id(page) == new.id  # "Send anyway" resubmits with the message now shown
    response = client.post(
        f"/tickets/{ticket.folio}/whatsapp", data={"text": typed, "seen_message_id": new.id}
    )
    assert response.status_code == 302
    run_jobs(session)
    assert human_messages(session) == 3
    assert [m["text"]["body"] for m in graph.sent()] == [typed]
