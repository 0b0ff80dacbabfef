"""One row: the branding admins set. With no row, debtors see the app's defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

ROW_ID = 1


class Branding(db.Model):
    __tablename__ = "branding"

    id: Mapped[int] = mapped_column(primary_key=True)  # always ROW_ID
    display_name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    primary_color: Mapped[str] = mapped_column(String(7))
    accent_color: Mapped[str] = mapped_column(String(7))
    legal_notice: Mapped[str | None] = mapped_column(String(600))
    privacy_url: Mapped[str | None] = mapped_column(String(500))
    # Re-encoded PNG/JPEG/WebP, a few dozen KB: kept in the row, so the acuse, the portal
    # and every worker read it from one place.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
