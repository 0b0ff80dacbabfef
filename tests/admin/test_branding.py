"""Branding from the admin screen: only admins, only safe values, and debtors see it."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from helpdesk.audit.models import AuditEvent
from helpdesk.branding.models import Branding
from helpdesk.branding.services import contrast
from tests.attachments.images import has_location, photo_with_gps

GOOD = {
    "display_name": "Cobranza Justa del Norte",
    "legal_name": "Cobranza Justa del Norte, S.A. de C.V.",
    "primary_color": "#1b4d3e",
    "accent_color": "#8a2be2",
    "legal_notice": "Despacho de cobranza registrado ante CONDUSEF (REDECO).",
    "privacy_url": "https://cobranzajusta.mx/privacidad",
}


def save(client, **changes):
    data = {**GOOD, **changes}
    return client.post("/admin/branding", data=data, content_type="multipart/form-data")


def test_an_agent_cannot_see_or_change_the_branding(client, signed_in, session):
    signed_in("agent")
    assert client.get("/admin/branding").status_code == 403
    assert save(client).status_code == 403
    assert session.get(Branding, 1) is None


def test_an_admin_saves_the_branding_and_the_logo_is_re_encoded(client, signed_in, session):
    signed_in("admin")
    page = client.get("/admin/branding").get_data(as_text=True)
    assert 'value="Aclara"' in page and 'enctype="multipart/form-data"' in page

    logo = photo_with_gps("JPEG", size=(2000, 500))
    response = save(client, logo=(io.BytesIO(logo), "logo.jpg"))

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = session.scalar(select(Branding))
    assert row.display_name == "Cobranza Justa del Norte" and row.logo_type == "image/jpeg"
    assert not has_location(row.logo) and b"PhoneMaker" not in row.logo
    # Scaled to what a page shows; turned upright first (orientation 6: 500x2000).
    assert Image.open(io.BytesIO(row.logo)).size[1] <= 240
    served = client.get("/brand/logo")
    assert served.data == row.logo and served.mimetype == "image/jpeg"
    assert "max-age" in served.headers["Cache-Control"]
    assert "branding.saved" in [e.action for e in session.scalars(select(AuditEvent))]


def test_unreadable_colours_and_unsafe_links_are_refused(client, signed_in, session):
    signed_in("admin")
    cases = {
        "primary_color": ("red", "seis dígitos hexadecimales"),
        "accent_color": ("#ffd700", "Elija un color más oscuro"),
        "privacy_url": ("http://cobranzajusta.mx/privacidad", "https://"),
    }
    for name, (value, message) in cases.items():
        page = save(client, **{name: value}).get_data(as_text=True)
        assert message in page, name
    page = save(client, privacy_url="javascript:alert(1)").get_data(as_text=True)
    assert "https://" in page
    assert session.scalar(select(Branding)) is None


def test_a_logo_that_is_not_an_image_is_refused(client, signed_in, session):
    signed_in("admin")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = save(client, logo=(io.BytesIO(svg), "logo.svg")).get_data(as_text=True)
    assert "No aceptamos archivos como logo.svg" in page
    assert session.scalar(select(Branding)) is None


def test_the_contrast_is_measured_as_wcag_does():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#0f5c8c", "#ffffff"), 1) == 7.2  # the default colour
    assert contrast("#767676", "#ffffff") >= 4.5 > contrast("#777777", "#ffffff")
