"""The acuse de recibo in the portal: offered right after opening a case and on the case
page, downloaded by its owner only (anyone else's folio, or a guessed one: 404)."""

from __future__ import annotations

import io

from sqlalchemy import select

from helpdesk.tickets.models import Ticket
from tests.portal.test_cases import folio_of, open_case
from tests.receipts.conftest import pdf_text


def test_the_owner_downloads_the_acuse_right_after_opening_and_later(
    client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact, number="MX-445566")
    portal_sign_in(contact)
    files = {"files": [(io.BytesIO(b"%PDF-1.4 comprobante" + b"x" * 3000), "comprobante.pdf")]}
    folio = folio_of(open_case(client, "dispute", account, **files))

    confirmation = client.get(f"/portal/cases/{folio}?opened=1").get_data(as_text=True)
    assert f'href="/portal/cases/{folio}/acuse.pdf"' in confirmation
    assert "Descargue su acuse de recibo (PDF)" in confirmation

    response = client.get(f"/portal/cases/{folio}/acuse.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=acuse-{folio}.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    assert folio in text
    assert "Medio de recepción Portal" in text
    assert "MX-445566" in text
    assert "comprobante.pdf 2,9 KB" in text
    assert "Cobranza pausada desde el 23 de noviembre de 2026" in text

    later = client.get(f"/portal/cases/{folio}").get_data(as_text=True)
    assert f'href="/portal/cases/{folio}/acuse.pdf"' in later


def test_another_debtors_acuse_and_a_guessed_folio_are_not_found(
    client, session, make, portal_sign_in
):
    bruno = make.contact()
    bruno_ticket = make.ticket(contact=bruno)
    alice = make.contact()
    portal_sign_in(alice)
    mine = make.ticket(contact=alice)

    assert client.get(f"/portal/cases/{bruno_ticket.folio}/acuse.pdf").status_code == 404
    assert client.get("/portal/cases/ACL-2026-999999/acuse.pdf").status_code == 404
    assert client.get(f"/portal/cases/{bruno_ticket.id}/acuse.pdf").status_code == 404
    lowered = bruno_ticket.folio.lower()
    assert client.get(f"/portal/cases/{lowered}/acuse.pdf").status_code == 404
    assert client.get(f"/portal/cases/{mine.folio}/acuse.pdf").status_code == 200


def test_without_a_debtor_session_there_is_no_acuse(app, session, make, signed_in, client):
    ticket = make.ticket()
    anonymous = app.test_client()
    response = anonymous.get(f"/portal/cases/{ticket.folio}/acuse.pdf")
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]
    signed_in()  # a staff session is not a debtor's
    response = client.get(f"/portal/cases/{ticket.folio}/acuse.pdf")
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]


def test_a_pdf_that_cannot_be_made_is_a_clear_error(
    client, session, make, portal_sign_in, monkeypatch
):
    from helpdesk.pdf import PdfError

    def broken(*_args, **_kwargs):
        raise PdfError("OSError: no fonts")

    contact = make.contact()
    ticket = make.ticket(contact=contact)
    portal_sign_in(contact)
    monkeypatch.setattr("blueprints.downloads.acuse_pdf", broken)
    assert client.get(f"/portal/cases/{ticket.folio}/acuse.pdf").status_code == 503
    assert session.scalar(select(Ticket).where(Ticket.id == ticket.id)) is not None
