"""A WhatsApp case's acknowledgement sends the acuse de recibo as a document (media
uploaded first, then a ``document`` message naming it), against the loopback Graph."""

from __future__ import annotations

import logging

from sqlalchemy import select

from helpdesk.pdf import PdfError
from helpdesk.tickets.models import Ticket
from tests.channels.whatsapp.conftest import deliver, fixture_bytes
from tests.receipts.conftest import pdf_text


def uploaded_pdf(graph) -> bytes:
    """The PDF inside the multipart body of the (only) media upload."""
    (upload,) = [r for r in graph.requests if r.path.endswith("/media")]
    body = upload.body
    assert b'name="messaging_product"' in body and b"application/pdf" in body
    start = body.index(b"%PDF")
    return body[start : body.rindex(b"%%EOF") + len(b"%%EOF")]


def test_the_acknowledgement_sends_the_acuse_as_a_document(client, session, graph):
    deliver(client, fixture_bytes("text.json"))
    ticket = session.scalar(select(Ticket))
    (ack,) = [m for m in ticket.messages if m.is_automatic]

    text, document = graph.sent()
    assert text["type"] == "text" and ticket.folio in text["text"]["body"]
    assert "Le adjuntamos su acuse de recibo (PDF)" in text["text"]["body"]
    assert document["type"] == "document"
    assert document["to"] == "+525512345678"
    media_id = document["document"]["id"]
    assert media_id in graph.media
    assert document["document"]["filename"] == f"acuse-{ticket.folio}.pdf"
    assert ack.delivery_status == "sent"
    assert [a.filename for a in ack.attachments] == [f"acuse-{ticket.folio}.pdf"]

    read_back = pdf_text(uploaded_pdf(graph))
    assert ticket.folio in read_back
    assert "Recibido el" in read_back and "WhatsApp" in read_back


def test_a_pdf_that_cannot_be_made_still_sends_the_text(
    client, session, graph, monkeypatch, caplog
):
    def broken(_acuse):
        raise PdfError("OSError: no fonts")

    monkeypatch.setattr("helpdesk.receipts.services.render_acuse", broken)
    with caplog.at_level(logging.WARNING, logger="helpdesk.receipts.services"):
        deliver(client, fixture_bytes("text.json"))
    ticket = session.scalar(select(Ticket))
    (ack,) = [m for m in ticket.messages if m.is_automatic]

    (text,) = graph.sent()
    assert text["type"] == "text" and ticket.folio in text["text"]["body"]
    assert "acuse" not in text["text"]["body"]
    assert ack.delivery_status == "sent" and ack.attachments == []
    assert not [r for r in graph.requests if r.path.endswith("/media")]
    assert "no fonts" in caplog.text
