"""The branding debtors see: the admins' row, or the defaults when there is none."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from helpdesk.branding.models import ROW_ID, Branding

# The portal's colours as they were before branding existed (static/css/app.css).
DEFAULT_PRIMARY = "#0f5c8c"
DEFAULT_ACCENT = "#0f5c8c"


@dataclass(frozen=True)
class Brand:
    display_name: str
    legal_name: str | None = None
    primary_color: str = DEFAULT_PRIMARY
    accent_color: str = DEFAULT_ACCENT
    legal_notice: str | None = None
    privacy_url: str | None = None
    logo: bytes | None = None
    logo_type: str | None = None
    version: str = "0"  # changes with every save: cache-busts the logo and the colours
    custom: bool = False

    @property
    def logo_data_uri(self) -> str | None:
        """The logo inline, for WeasyPrint (which fetches nothing from the network)."""
        if not self.logo or not self.logo_type:
            return None
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode()}"


def brand(session: Session, *, default_name: str) -> Brand:
    """The branding in force; ``default_name`` (``AGENCY_NAME``) when admins set none."""
    with session.no_autoflush:  # a ticket being received need not be flushed to read it
        row = session.get(Branding, ROW_ID)
    if row is None:
        return Brand(display_name=default_name)
    return Brand(
        display_name=row.display_name,
        legal_name=row.legal_name,
        primary_color=row.primary_color,
        accent_color=row.accent_color,
        legal_notice=row.legal_notice,
        privacy_url=row.privacy_url,
        logo=row.logo,
        logo_type=row.logo_type,
        version=str(int(row.updated_at.timestamp())),
        custom=True,
    )


def signature(look: Brand) -> str:
    """The lines that close a debtor's email: names, legal notice, privacy link. Nothing
    without a branding row, so mail reads as it did before branding existed. Call it
    inside the mail's ``force_locale``."""
    if not look.custom:
        return ""
    lines = [look.display_name]
    if look.legal_name and look.legal_name != look.display_name:
        lines.append(look.legal_name)
    if look.legal_notice:
        lines.append(look.legal_notice)
    if look.privacy_url:
        lines.append(_("Privacy notice: %(url)s", url=look.privacy_url))
    return "\n\n-- \n" + "\n".join(lines)


def branding_row(session: Session) -> Branding | None:
    return session.get(Branding, ROW_ID)
