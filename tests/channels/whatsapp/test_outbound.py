"""Replies: text inside the 24-hour window, templates outside it, attachments, statuses,
and Meta's errors (131047 never retried, rate limits backed off) against the loopback Graph."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.whatsapp import numbers, outbound, replies
from helpdesk.channels.whatsapp.client import GraphError, Recipient, WhatsAppClient
from helpdesk.channels.whatsapp.models import WhatsAppMessage, WhatsAppSentPart, WhatsAppStatus
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import IncomingFile
from tests.channels.whatsapp import graph as graph_server
from tests.channels.whatsapp.conftest import (
    PHONE_NUMBER_ID,
    deliver,
    fixture_bytes,
    payload,
    text_message,
)
from tests.factories import whatsapp_settings

T = 1795449600 - 600


class FakeRqJob:
    """What ``rq.get_current_job()`` returns inside a worker, for the retry decision."""

    def __init__(self, retries_left: int) -> None:
        self.retries_left = retries_left


def whatsapp_ticket(client, session, graph=None) -> Ticket:
    """A ticket opened by a debtor's WhatsApp message; its acknowledgement already went
    out (or failed, without ``graph``), so ``graph`` records only what the test sends."""
    deliver(client, fixture_bytes("text.json"))
    if graph is not None:
        graph.requests.clear()
    return session.scalar(select(Ticket))


def human_messages(session) -> int:
    return session.scalar(
        select(func.count()).select_from(Message).where(Message.is_automatic.is_(False))
    )


def test_a_reply_inside_the_window_is_sent_as_text(client, session, graph, make):
    ticket = whatsapp_ticket(client, session, graph)
    agent = make.user()
    message = replies.reply_text(
        session,
        ticket,
        author=agent,
        text="Con gusto lo revisamos.",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    run_jobs(session)  # the send job runs after the commit (inline: now)
    (sent,) = graph.sent()
    assert sent["to"] == "+525512345678" and sent["type"] == "text"
    assert sent["text"] == {"preview_url": False, "body": "Con gusto lo revisamos."}
    assert message.delivery_status == "sent" and message.external_id.startswith("wamid.")
    assert all(r.headers["Authorization"] == f"Bearer {graph_server.TOKEN}" for r in graph.requests)


def run_jobs(session) -> None:
    from helpdesk.jobs import run_ready_jobs

    session.commit()
    run_ready_jobs(session)


def test_free_text_outside_the_window_is_refused_with_an_explanation(client, session, make):
    ticket = whatsapp_ticket(client, session)
    later = clock.now() + timedelta(hours=24, minutes=1)
    with pytest.raises(replies.ReplyRefused, match="24 horas"):
        replies.reply_text(
            session,
            ticket,
            author=make.user(),
            text="Hola",
            settings=whatsapp_settings(),
            now=later,
        )
    assert human_messages(session) == 1


def test_the_composer_explains_the_closed_window_in_spanish(client, session, signed_in):
    ticket = whatsapp_ticket(client, session)
    signed_in()
    with clock.freeze(clock.now() + timedelta(days=2)):
        page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
        assert "Han pasado más de 24 horas" in page
        response = client.post(
            f"/tickets/{ticket.folio}/whatsapp", data={"text": "Hola"}, follow_redirects=True
        )
    assert "Han pasado más de 24 horas" in response.get_data(as_text=True)
    assert human_messages(session) == 1


def add_template(session, **fields):
    number = numbers.environment_number(session, whatsapp_settings())
    values = {
        "name": "aclaracion_seguimiento",
        "language": "es_MX",
        "parameters": ["contact_name", "folio", "balance"],
        "body": "Hola {{1}}, seguimos su aclaración {{2}}. Saldo: {{3}}.",
    }
    values.update(fields)
    return numbers.add_template(
        session, number, actor=Actor.system("test"), now=clock.now(), **values
    )


def test_outside_the_window_a_template_goes_out_with_ticket_values(
    client, session, graph, make, signed_in
):
    ticket = whatsapp_ticket(client, session, graph)
    ticket.accounts.append(make.account(ticket.contact))
    template = add_template(session)
    session.commit()
    signed_in()
    with clock.freeze(clock.now() + timedelta(days=3)):
        page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
        assert f"seguimos su aclaración {ticket.folio}" in page
        response = client.post(
            f"/tickets/{ticket.folio}/whatsapp/template", data={"template_id": template.id}
        )
    assert response.status_code == 302
    (sent,) = graph.sent()
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "aclaracion_seguimiento"
    assert sent["template"]["language"] == {"code": "es_MX"}
    values = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert values == ["Guadalupe Núñez", ticket.folio, "$12,500.50"]
    message = session.scalar(
        select(Message).where(Message.direction == "out", Message.is_automatic.is_(False))
    )
    assert (
        message.text
        == f"Hola Guadalupe Núñez, seguimos su aclaración {ticket.folio}. Saldo: $12,500.50."
    )


def test_a_template_needing_an_account_says_so(client, session, make):
    ticket = whatsapp_ticket(client, session)
    template = add_template(session)
    with pytest.raises(replies.ReplyRefused, match="Saldo"):
        replies.reply_template(
            session,
            ticket,
            template,
            author=make.user(),
            settings=whatsapp_settings(),
            now=clock.now(),
        )


def test_131047_marks_the_reply_failed_and_is_never_retried(
    client, session, graph, make, monkeypatch
):
    ticket = whatsapp_ticket(client, session)
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Hola",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    session.commit()
    graph.fail("send", 400, code=131047)
    monkeypatch.setattr(outbound, "get_current_job", lambda: FakeRqJob(retries_left=3))
    outbound.send_whatsapp_job(message.id)  # inside a worker with retries left: still final
    assert message.delivery_status == "failed"
    extra = session.get(WhatsAppMessage, message.id)
    assert extra.error_code == 131047
    assert "131047" in message.delivery_error


@pytest.mark.parametrize("code", [130429, 131056])
def test_rate_limits_are_retried_with_4_to_the_n_backoff(
    code, client, session, graph, make, monkeypatch
):
    ticket = whatsapp_ticket(client, session)
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Hola",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    session.commit()
    graph.fail("send", 400, code=code)
    monkeypatch.setattr(outbound, "get_current_job", lambda: FakeRqJob(retries_left=2))
    with pytest.raises(GraphError):
        outbound.send_whatsapp_job(message.id)  # raising is how RQ learns to try again
    assert message.delivery_status == "queued" and message.delivery_error.startswith("retrying")
    assert outbound.SEND_RETRY.intervals == [4, 16, 64, 256]
    outbound.send_whatsapp_job(message.id)  # the retry, after the back-off
    assert message.delivery_status == "sent"


def test_attachments_are_uploaded_and_sent_once_even_when_retried(
    client, session, graph, make, monkeypatch
):
    ticket = whatsapp_ticket(client, session, graph)
    pdf = IncomingFile("carta de no adeudo.pdf", "application/pdf", b"%PDF-1.4 carta")
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Le envío la carta.",
        files=[pdf],
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    session.commit()
    graph.fail("upload", 503)
    monkeypatch.setattr(outbound, "get_current_job", lambda: FakeRqJob(retries_left=2))
    with pytest.raises(GraphError):
        outbound.send_whatsapp_job(message.id)
    outbound.send_whatsapp_job(message.id)
    kinds = [s["type"] for s in graph.sent()]
    assert kinds == ["text", "document"]  # the text was not sent twice
    assert graph.sent()[1]["document"]["filename"] == "carta de no adeudo.pdf"
    parts = session.scalars(
        select(WhatsAppSentPart).where(WhatsAppSentPart.message_id == message.id)
    )
    assert [p.part for p in parts] == [0, 1]
    upload = next(
        r
        for r in graph.requests
        if r.path.endswith("/media") and r.method == "POST" and b"carta" in r.body
    )
    assert b'filename="carta de no adeudo.pdf"' in upload.body


def test_statuses_out_of_order_stay_monotonic_even_before_the_send_returns(
    client, session, graph, make
):
    ticket = whatsapp_ticket(client, session)
    deliver(client, fixture_bytes("statuses_out_of_order.json"))  # read, sent, delivered
    assert session.scalar(select(func.count()).select_from(WhatsAppStatus)) == 3
    graph.next_wamids.append("OUT_WAMID")
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Hola",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    run_jobs(session)
    assert message.delivery_status == "read"
    deliver(client, fixture_bytes("statuses_out_of_order.json"))  # duplicates: nothing moves
    assert session.scalar(select(func.count()).select_from(WhatsAppStatus)) == 3
    assert message.delivery_status == "read"


def test_a_failed_status_shows_its_code_and_title_on_the_message(
    client, session, graph, make, signed_in
):
    ticket = whatsapp_ticket(client, session)
    graph.next_wamids.append("OUT_WAMID")
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Hola",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    run_jobs(session)
    deliver(client, fixture_bytes("status_failed.json"))
    assert message.delivery_status == "failed"
    signed_in()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "131047" in page and "Re-engagement message" in page


def test_played_follows_read_and_failed_is_final(client, session, graph, make):
    ticket = whatsapp_ticket(client, session)
    graph.next_wamids.append("wamid.AUDIO")
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="nota",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    run_jobs(session)

    def status(name: str, ts: int) -> dict:
        return {"id": "wamid.AUDIO", "status": name, "timestamp": str(ts), "recipient_id": "52155"}

    deliver(client, payload(statuses=[status("read", T + 700), status("played", T + 800)]))
    assert message.delivery_status == "played"
    deliver(client, payload(statuses=[status("delivered", T + 900)]))
    assert message.delivery_status == "played"


def test_the_client_sends_templates_for_the_reminders_dispatcher(graph):
    client = WhatsAppClient(
        graph_url=graph.base_url,
        api_version="v21.0",
        phone_number_id=PHONE_NUMBER_ID,
        token=graph_server.TOKEN,
    )
    wamid = client.send_template(
        Recipient(phone="+525512345678"), "recordatorio_pago", "es_MX", ["Lupita", "$500.00"]
    )
    assert wamid.startswith("wamid.")
    (sent,) = graph.sent()
    assert graph.requests[0].path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert sent["template"]["components"][0]["parameters"][1] == {"type": "text", "text": "$500.00"}
    only_id = client.send_text(Recipient(user_id="MX.77"), "hola")
    assert only_id and graph.sent()[1]["recipient"] == "MX.77" and "to" not in graph.sent()[1]


def test_a_wrong_token_is_a_graph_error_with_its_code(graph):
    client = WhatsAppClient(
        graph_url=graph.base_url, api_version="v21.0", phone_number_id=PHONE_NUMBER_ID, token="nope"
    )
    with pytest.raises(GraphError) as raised:
        client.send_text(Recipient(phone="+525512345678"), "hola")
    assert raised.value.code == 190 and raised.value.http_status == 401
    assert not raised.value.is_temporary


def test_context_on_one_of_our_parts_threads_to_its_ticket(client, session, graph, make):
    ticket = whatsapp_ticket(client, session)
    pdf = IncomingFile("carta.pdf", "application/pdf", b"%PDF-1.4")
    graph.next_wamids.extend(["wamid.PART0", "wamid.PART1"])
    replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Adjunto",
        files=[pdf],
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    run_jobs(session)
    other = make.ticket(ticket.contact, channel="whatsapp", subject="Otra")
    other.last_activity_at = clock.now() + timedelta(hours=1)
    session.flush()
    reply = text_message(
        "wamid.ONPART", "Gracias por la carta", T + 30, context={"id": "wamid.PART1"}
    )
    deliver(client, payload([reply]))
    assert (
        session.scalar(select(Message).where(Message.external_id == "wamid.ONPART")).ticket
        is ticket
    )


def test_a_reply_whose_job_was_lost_is_sent_once_by_the_delivery_sweep(
    client, session, graph, make
):
    from helpdesk.tickets import delivery

    ticket = whatsapp_ticket(client, session, graph)
    message = replies.reply_text(
        session,
        ticket,
        author=make.user(),
        text="Hola",
        settings=whatsapp_settings(),
        now=clock.now(),
    )
    session.commit()
    session.info.pop("aclara.ready_jobs", None)  # the process died before running the job
    later = clock.now() + timedelta(minutes=2)

    with clock.freeze(later):
        report = delivery.sweep(session, locale=current_app.config["DEFAULT_LOCALE"], now=later)
        again = delivery.sweep(session, locale=current_app.config["DEFAULT_LOCALE"], now=later)

    assert report.sent == [message.id] and again == delivery.SweepReport()
    assert len(graph.sent()) == 1
    session.refresh(message)
    assert (message.delivery_status, message.delivery_due_at) == ("sent", None)


def test_a_failed_send_gives_the_agent_back_what_they_typed(
    client, session, signed_in, monkeypatch
):
    ticket = whatsapp_ticket(client, session)
    signed_in()
    session.commit()
    too_long = "Le confirmamos que revisamos su aclaración. " * 100  # > 4,096 characters
    response = client.post(f"/tickets/{ticket.folio}/whatsapp", data={"text": too_long})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert too_long.strip() in page.replace("&#39;", "'")

    monkeypatch.setattr(replies, "MAX_TEXT", 20)  # the service refuses what the form took
    typed = "Con gusto revisamos el cargo del 3 de noviembre."
    response = client.post(f"/tickets/{ticket.folio}/whatsapp", data={"text": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f">{typed}</textarea>" in page
    assert 'role="alert"' in page
    assert human_messages(session) == 1
    assert page.count(typed) == 1  # in the WhatsApp composer, not in the note's too
