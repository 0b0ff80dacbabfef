"""The acuse de recibo read back from its PDF: folio, deadline, files, collection paused."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from helpdesk import clock
from helpdesk.receipts.queries import acuse_filename, acuse_of
from helpdesk.receipts.render import acuse_pdf
from helpdesk.receipts.settings import ReceiptSettings
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets.services import IncomingFile
from tests.receipts.conftest import pdf_text

MX = ZoneInfo("America/Mexico_City")


def settings() -> ReceiptSettings:
    return ReceiptSettings.from_config(current_app.config)


def dispute(make, queue=None, *, files=(), with_account=True, timezone=None, **fields):
    contact = make.contact(name="Guadalupe Núñez", **fields)
    contact.timezone = timezone
    accounts = [make.account(contact=contact, number="MX-778899")] if with_account else []
    return make.ticket(
        contact=contact,
        queue=queue,
        accounts=accounts,
        type="dispute",
        subject="Cargo no reconocido",
        text="No reconozco el cargo de $1,250.00 del 3 de noviembre.",
        files=list(files),
    )


def test_the_acuse_says_folio_deadline_files_and_that_collection_is_paused(
    session, make, sla_queue
):
    files = [
        IncomingFile("estado-de-cuenta.pdf", "application/pdf", b"%PDF-1.4 " + b"x" * 2038),
        IncomingFile("ticket_pago.jpg", "image/jpeg", b"\xff\xd8" + b"y" * 150_000),
    ]
    ticket = dispute(make, sla_queue, files=files)
    text = pdf_text(acuse_pdf(session, ticket, now=clock.now(), settings=settings()))
    assert ticket.folio in text
    assert "Acuse de recibo" in text
    assert "Banco Demo" in text and "Aclara" in text  # creditor and agency
    # Opened Monday 23 November 2026 10:00 in Mexico City; 45 calendar days to resolve.
    assert "Le responderemos a más tardar el 7 de enero de 2027." in text
    assert "23 de noviembre de 2026, 10:00" in text
    assert "Quiero una aclaración de un cargo" in text  # the type in the debtor's words
    assert "No reconozco el cargo de $1,250.00 del 3 de noviembre." in text
    assert "MX-778899" in text and "$12,500.50" in text
    assert "estado-de-cuenta.pdf 2 KB" in text
    assert "ticket_pago.jpg 146,5 KB" in text
    assert "Cobranza pausada desde el 23 de noviembre de 2026" in text
    assert "Conserve su folio" in text


def test_english_debtors_get_it_in_english_and_in_their_time_zone(session, make, sla_queue):
    ticket = dispute(make, sla_queue, language="en", timezone="America/Bogota")
    text = pdf_text(acuse_pdf(session, ticket, now=clock.now(), settings=settings()))
    assert "Acknowledgement of receipt" in text
    assert "We will answer you no later than January 7, 2027." in text
    assert "November 23, 2026, 11:00" in text  # 16:00 UTC is 11:00 in Bogotá
    assert "Collection paused since" in text
    assert "You did not send documents with your request." in text


def test_without_a_policy_or_accounts_it_promises_an_answer_and_says_nothing_of_collection(
    session, make
):
    ticket = dispute(make, with_account=False)
    text = pdf_text(acuse_pdf(session, ticket, now=clock.now(), settings=settings()))
    assert "Le responderemos lo antes posible." in text
    assert "Cobranza" not in text and "cobranza" not in text


def test_collection_not_paused_is_said_too(session, make, sla_queue):
    contact = make.contact()
    account = make.account(contact=contact)
    ticket = make.ticket(contact=contact, queue=sla_queue, accounts=[account], type="information")
    text = pdf_text(acuse_pdf(session, ticket, now=clock.now(), settings=settings()))
    assert "La cobranza de estas cuentas continúa" in text


def test_the_facts_use_the_resolution_clock(session, make, sla_queue):
    ticket = dispute(make, sla_queue)
    facts = acuse_of(session, ticket, now=clock.now(), settings=settings())
    resolution = session.query(TicketDeadline).filter_by(ticket_id=ticket.id, target="resolution")
    assert facts.deadline == resolution.one().due_at
    assert facts.deadline.astimezone(MX).date() == datetime(2027, 1, 7).date()
    assert facts.paused_since == clock.now()
    assert facts.filename == f"acuse-{ticket.folio}.pdf"


def test_the_debtors_text_cannot_inject_markup_or_fetch_files(session, make):
    contact = make.contact()
    ticket = make.ticket(
        contact=contact,
        text='<img src="file:///etc/passwd"><link rel="stylesheet" href="http://x/y.css"> hola',
    )
    text = pdf_text(acuse_pdf(session, ticket, now=clock.now(), settings=settings()))
    assert '<img src="file:///etc/passwd">' in text  # shown as text, not fetched


def test_filenames_are_safe():
    assert acuse_filename("ACL-2026-000123") == "acuse-ACL-2026-000123.pdf"
    assert acuse_filename('../x"; y') == "acuse-xy.pdf"
    assert acuse_filename("") == "acuse-folio.pdf"
