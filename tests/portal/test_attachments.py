"""Attachments from the portal: checked by content, photos stored without their location,
and a file too large refused with its name while the debtor's text stays in the form."""

from __future__ import annotations

import io

from sqlalchemy import select

from helpdesk.tickets.models import Message, Ticket
from tests.attachments.images import ELF, has_location, photo_with_gps
from tests.portal.test_cases import folio_of, held, open_case

MB = 1024 * 1024
TEXT = "El cargo de $1,250.00 del 3 de octubre no es mío; adjunto la foto del recibo."


def test_a_photo_is_stored_without_its_gps_and_served_back_clean(
    client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)
    photo = {"files": [(io.BytesIO(photo_with_gps()), "recibo.jpg")]}

    folio = folio_of(open_case(client, "dispute", account, **photo))

    [attachment] = session.scalar(
        select(Message).join(Ticket).where(Ticket.folio == folio)
    ).attachments
    assert attachment.content_type == "image/jpeg"
    downloaded = client.get(f"/portal/files/{attachment.id}").data
    assert downloaded[:3] == b"\xff\xd8\xff" and not has_location(downloaded)


def test_a_program_named_pdf_is_refused_and_the_text_is_kept(
    client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)

    response = open_case(
        client, "dispute", account, text=TEXT, files=[(io.BytesIO(ELF), "factura.pdf")]
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "factura.pdf no es un PDF: parece un programa." in page
    assert "El cargo de $1,250.00 del 3 de octubre no es mío" in page
    assert not held(session, account)


def test_a_30_mb_photo_gets_its_own_message_and_the_text_is_kept(
    client, session, make, portal_sign_in
):
    contact = make.contact()
    account = make.account(contact=contact)
    portal_sign_in(contact)
    big = io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * (30 * MB))

    response = open_case(client, "dispute", account, text=TEXT, files=[(big, "foto.jpg")])

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert "foto.jpg pesa más de 10 MB." in page
    assert "El cargo de $1,250.00 del 3 de octubre no es mío" in page
    assert not held(session, account)


def test_more_than_the_form_can_carry_gets_a_page_for_the_debtor(
    app, client, make, portal_sign_in, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTAL_MAX_FILES", 1)
    monkeypatch.setitem(app.config, "PORTAL_MAX_FILE_BYTES", 1 * MB)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * MB)
    contact = make.contact()
    portal_sign_in(contact)
    huge = io.BytesIO(b"\x00" * (3 * MB))

    response = open_case(client, "complaint", files=[(huge, "escaneo.pdf")])

    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Lo que envió es demasiado grande" in page and "más de 2 MB" in page
    assert 'href="/portal/cases/new"' in page
    assert "Volver a los tickets" not in page  # the staff error page is not for debtors
