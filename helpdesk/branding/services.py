"""Saving the branding: every value checked here, so the pages that show it (a colour in
CSS, a link in an email, a logo in a PDF) only ever get values that are safe to show."""

from __future__ import annotations

import io
import re
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy.orm import Session

from helpdesk.attachments import checks
from helpdesk.audit.services import Actor, record
from helpdesk.branding.models import ROW_ID, Branding
from helpdesk.errors import FieldError

LOGO_MAX_BYTES = 1024 * 1024
# Shown at most 48 px high on a screen and 18 mm in the acuse: larger is only weight.
LOGO_MAX_SIZE = (960, 240)
LOGO_KINDS = frozenset({"png", "jpg", "webp"})
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text
_COLOUR = re.compile(r"#[0-9a-f]{6}")


class BrandingError(FieldError):
    pass


def save_branding(
    session: Session,
    *,
    display_name: str,
    legal_name: str | None,
    primary_color: str,
    accent_color: str,
    legal_notice: str | None,
    privacy_url: str | None,
    logo: tuple[str, bytes] | None,
    remove_logo: bool,
    actor: Actor,
    now: datetime,
) -> Branding:
    """Create or update the one branding row; ``BrandingError`` names the field refused.

    ``logo`` is a new logo as (safe file name, bytes), re-encoded here without metadata.
    """
    display_name = _line(display_name)
    if not display_name:
        raise BrandingError("display_name", _l("Give the name debtors will see."))
    primary = colour("primary_color", primary_color)
    accent = colour("accent_color", accent_color)
    url = privacy_link(privacy_url)
    row = session.get(Branding, ROW_ID)
    before = _audited(row) if row else None
    if row is None:
        row = Branding(id=ROW_ID)
        session.add(row)
    if logo is not None:
        row.logo, row.logo_type = logo_image(*logo)
    elif remove_logo:
        row.logo, row.logo_type = None, None
    row.display_name = display_name
    row.legal_name = _line(legal_name or "") or None
    row.primary_color, row.accent_color = primary, accent
    row.legal_notice = _paragraphs(legal_notice or "") or None
    row.privacy_url = url
    row.updated_at = now
    session.flush()
    record(session, actor, "branding.saved", row, now=now, before=before, after=_audited(row))
    return row


def colour(field: str, value: str) -> str:
    """``#rrggbb`` readable with white (WCAG AA): white text on it (the top bar, buttons)
    and it as text on white (links) are the same contrast."""
    value = (value or "").strip().lower()
    if not _COLOUR.fullmatch(value):
        raise BrandingError(field, _l("Write the colour as # and six hex digits, like #0f5c8c."))
    if contrast(value, "#ffffff") < MIN_CONTRAST:
        raise BrandingError(
            field,
            _l(
                "Text on this colour, or this colour on white, is hard to read (contrast "
                "%(ratio)s:1, at least 4.5:1 is needed). Choose a darker colour.",
                ratio=f"{contrast(value, '#ffffff'):.1f}",
            ),
        )
    return value


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def privacy_link(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise BrandingError(
            "privacy_url",
            _l("The privacy notice must be a full https:// address, like https://example.mx/privacidad."),
        )
    return value


def logo_image(filename: str, data: bytes) -> tuple[bytes, str]:
    """The logo re-encoded (no metadata) and scaled down to what a page shows."""
    try:
        checked = checks.check(filename, data, max_bytes=LOGO_MAX_BYTES, allowed=LOGO_KINDS)
    except checks.FileRefused as refused:
        raise BrandingError("logo", str(refused)) from None
    image = Image.open(io.BytesIO(checked.data))
    if image.width <= LOGO_MAX_SIZE[0] and image.height <= LOGO_MAX_SIZE[1]:
        return checked.data, checked.content_type
    image.thumbnail(LOGO_MAX_SIZE)
    kind = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[checked.content_type]
    return checks.encode(image, kind), checked.content_type


def _luminance(value: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _line(value: str) -> str:
    return " ".join(value.split())


def _paragraphs(value: str) -> str:
    lines = [_line(line) for line in value.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _audited(row: Branding) -> dict[str, object]:
    return {
        "display_name": row.display_name,
        "legal_name": row.legal_name,
        "primary_color": row.primary_color,
        "accent_color": row.accent_color,
        "legal_notice": row.legal_notice,
        "privacy_url": row.privacy_url,
        "logo": bool(row.logo),
    }
