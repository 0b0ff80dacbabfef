"""The acuse wears the branding: the name debtors know, the legal name, the logo (inline,
never fetched), the legal notice and the privacy link."""

from __future__ import annotations

import io

import pypdf

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.branding.services import save_branding
from helpdesk.receipts.queries import acuse_of
from helpdesk.receipts.render import acuse_html, acuse_pdf
from tests.attachments.images import photo_with_gps
from tests.receipts.conftest import pdf_text
from tests.receipts.test_acuse import dispute, settings


def test_the_acuse_shows_the_branding(session, make, sla_queue):
    save_branding(
        session,
        display_name="Cobranza Justa del Norte",
        legal_name="Cobranza Justa del Norte, S.A. de C.V.",
        primary_color="#1b4d3e",
        accent_color="#1b4d3e",
        legal_notice="Despacho registrado ante la CONDUSEF con el número 1234.",
        privacy_url="https://cobranzajusta.mx/privacidad",
        logo=("logo.png", photo_with_gps("PNG", size=(300, 100))),
        remove_logo=False,
        actor=Actor.system("test"),
        now=clock.now(),
    )
    ticket = dispute(make, sla_queue)

    pdf = acuse_pdf(session, ticket, now=clock.now(), settings=settings())

    text = pdf_text(pdf)
    assert "Cobranza Justa del Norte, S.A. de C.V." in text
    assert "Despacho registrado ante la CONDUSEF con el número 1234." in text
    assert "Aviso de privacidad: https://cobranzajusta.mx/privacidad" in text
    assert "Aclara" not in text
    images = [i for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for i in page.images]
    assert len(images) == 1  # the logo, embedded from its data: URI
    html = acuse_html(acuse_of(session, ticket, now=clock.now(), settings=settings()))
    assert 'src="data:image/png;base64,' in html and "#1b4d3e" in html


def test_without_branding_the_acuse_names_the_configured_agency(session, make, sla_queue):
    ticket = dispute(make, sla_queue)
    pdf = acuse_pdf(session, ticket, now=clock.now(), settings=settings())
    text = pdf_text(pdf)
    assert "Aclara" in text and "Aviso de privacidad" not in text
    assert not [i for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for i in page.images]
