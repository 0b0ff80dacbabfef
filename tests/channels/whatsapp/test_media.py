"""Media downloads: two steps with the bearer token, refetch on an expired URL, sha256,
size limits, retries, and the final failure shown on the message."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from helpdesk.channels.whatsapp import media as media_module
from helpdesk.channels.whatsapp.models import WhatsAppMedia
from helpdesk.tickets.models import Ticket
from tests.channels.whatsapp import graph as graph_server
from tests.channels.whatsapp.conftest import deliver, fixture_bytes

JPEG = b"\xff\xd8\xff\xe0" + b"foto del comprobante " * 200


def send_image(client, graph, data: bytes = JPEG, sha256: str | None = None) -> None:
    media_id = graph.add_media(data, "image/jpeg")
    digest = sha256 or hashlib.sha256(data).hexdigest()
    deliver(client, fixture_bytes("image.json", MEDIA_ID=media_id, MEDIA_SHA256=digest))


def the_media(session) -> WhatsAppMedia:
    return session.scalar(select(WhatsAppMedia))


def test_both_steps_carry_the_bearer_token(client, session, graph):
    send_image(client, graph)
    row = the_media(session)
    assert row.status == "done" and row.attempts == 1
    info, download = [r for r in graph.requests if r.method == "GET"]
    assert info.path == f"/v21.0/{row.media_id}" and download.path.startswith("/download/")
    for request in (info, download):
        assert request.headers["Authorization"] == f"Bearer {graph_server.TOKEN}"
    ticket = session.scalar(select(Ticket))
    (attachment,) = ticket.messages[0].attachments
    assert attachment.content_type == "image/jpeg" and attachment.size == len(JPEG)
    assert attachment.filename.endswith(".jpg")


def test_an_expired_url_is_fetched_again(client, session, graph):
    graph.fail("download", 404, code=100)
    send_image(client, graph)
    row = the_media(session)
    assert row.status == "done" and row.attempts == 1
    assert len([r for r in graph.requests if r.path.startswith("/v21.0/9")]) == 2


def test_a_download_failing_twice_then_succeeding_is_stored(client, session, graph):
    graph.fail("download", 500, times=2)
    send_image(client, graph)
    row = the_media(session)
    assert row.status == "done" and row.attempts == 3 and row.error is None
    assert len(session.scalar(select(Ticket)).messages[0].attachments) == 1


def test_a_download_that_keeps_failing_is_shown_on_the_message(client, session, graph, signed_in):
    graph.fail("download", 500, times=10)
    send_image(client, graph)
    row = the_media(session)
    assert row.status == "failed" and row.attempts == media_module.MAX_ATTEMPTS
    signed_in()
    ticket = session.scalar(select(Ticket))
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "No se pudo descargar el archivo" in page


def test_a_checksum_mismatch_is_not_stored(client, session, graph):
    send_image(client, graph, sha256="0" * 64)
    row = the_media(session)
    assert row.status == "failed" and row.error == "sha256_mismatch"
    assert session.scalar(select(Ticket)).messages[0].attachments == []


def test_an_image_over_5_mb_is_refused_without_retrying(client, session, graph):
    send_image(client, graph, data=b"\xff" * (5 * 1024 * 1024 + 1))
    row = the_media(session)
    assert row.status == "failed" and row.error == "too_large" and row.attempts == 1
    assert not [r for r in graph.requests if r.path.startswith("/download/")]


def test_running_the_job_again_downloads_nothing_more(client, session, graph):
    send_image(client, graph)
    before = len(graph.requests)
    media_module.download_media_job(the_media(session).id)
    assert len(graph.requests) == before
