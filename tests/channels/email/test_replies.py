"""Answering a debtor by email from the ticket page: To from the thread, Cc, signatures,
the last message quoted, and the next status in the same click."""

from __future__ import annotations

import io
from email import policy
from email.parser import BytesParser
from pathlib import Path

from helpdesk.jobs import run_ready_jobs
from tests.channels.email.test_smtp import open_by_email


def sent_mails(app) -> list:
    outbox = Path(app.config["DATA_DIR"]) / "outbox"
    return [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        for p in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    ]


def test_an_agent_answers_with_cc_signature_and_quote_and_sets_pending(
    app, client, session, signed_in, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    agent = signed_in("agent")
    agent.signature = "Lucía Herrera\nEjecutiva de aclaraciones"
    ticket = open_by_email(session, "hilo@correo.mx")
    session.commit()
    run_ready_jobs(session)  # the acknowledgement goes first
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Responder por correo" in page and "Nota interna" in page
    assert "Ejecutiva de aclaraciones" in page  # the signature shown before sending

    response = client.post(
        f"/tickets/{ticket.folio}/email",
        data={
            "text": "Revisamos su cargo y procede la aclaración.",
            "cc": "hermana@correo.mx; abogado@despacho.mx",
            "then": "pending",
            "files": [(io.BytesIO(b"%PDF-1.4 carta"), "carta.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    run_ready_jobs(session)

    reply = sent_mails(app)[-1]
    assert reply["To"] == ticket.contact.email
    assert reply["Cc"] == "hermana@correo.mx, abogado@despacho.mx"
    assert ticket.folio in reply["Subject"]
    body = reply.get_body(("plain",)).get_content()
    assert body.index("procede la aclaración") < body.index("-- \nLucía Herrera")
    assert "\n> " in body  # the debtor's message, quoted below
    assert [a.get_filename() for a in reply.iter_attachments()] == ["carta.pdf"]
    session.refresh(ticket)
    assert ticket.status == "pending"
    assert ticket.messages[-1].author_user_id == agent.id
    assert ticket.messages[-1].delivery_status == "sent"


def test_a_bad_cc_keeps_what_was_typed_and_says_why(client, session, signed_in):
    signed_in()
    ticket = open_by_email(session, "cc@correo.mx")
    session.commit()
    response = client.post(
        f"/tickets/{ticket.folio}/email",
        data={"text": "Borrador largo que no debe perderse", "cc": "no-es-un-correo"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "No es una dirección de correo: no-es-un-correo" in page
    assert "Borrador largo que no debe perderse" in page
    assert len(ticket.messages) == 2  # the debtor's and the acknowledgement: nothing sent


def test_a_whatsapp_case_has_no_email_tab(client, session, signed_in, make):
    signed_in()
    ticket = make.ticket(channel="whatsapp")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Responder por correo" not in page and "Nota interna" in page
    response = client.post(f"/tickets/{ticket.folio}/email", data={"text": "Hola"})
    assert response.status_code == 422


def test_a_web_form_case_is_answered_by_email_to_the_address_on_file(
    app, client, session, signed_in, make, tmp_path, monkeypatch
):
    """Whoever wrote through /contacto left an address: the agent answers there, as for
    mail (the first answer of the thread, so it names no earlier message)."""
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    signed_in("agent")
    contact = make.contact(name="Rosa Vargas", email="rosa@correo.mx")
    ticket = make.ticket(contact, channel="webform", subject="No reconozco un cargo")
    session.commit()
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Responder por correo" in page
    response = client.post(
        f"/tickets/{ticket.folio}/email", data={"text": "Revisamos su caso.", "then": "pending"}
    )
    assert response.status_code == 302
    run_ready_jobs(session)
    reply = sent_mails(app)[-1]
    assert reply["To"] == "rosa@correo.mx"
    assert ticket.folio in reply["Subject"]
    assert "Revisamos su caso." in reply.get_body(("plain",)).get_content()


def test_a_web_form_case_without_an_email_is_answered_with_notes(client, session, signed_in, make):
    signed_in("agent")
    ticket = make.ticket(make.contact(name="Sin correo", email=None), channel="webform")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Responder por correo" not in page and "Nota interna" in page
