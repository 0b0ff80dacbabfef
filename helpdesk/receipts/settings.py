"""What the acuse takes from the app's settings, in one value built at the boundary
(the send jobs, the portal and inbox downloads) with ``from_config(app.config)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk.attachments import storage


@dataclass(frozen=True)
class ReceiptSettings:
    agency: str  # HELPDESK_AGENCY_NAME
    default_locale: str
    default_timezone: str
    public_url: str | None  # where debtors reach the app; the acuse links to the portal
    attachments: Path  # where the PDF attached to an acknowledgement is stored

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReceiptSettings:
        return cls(
            agency=config["AGENCY_NAME"],
            default_locale=config["DEFAULT_LOCALE"],
            default_timezone=config["DEFAULT_TIMEZONE"],
            public_url=config.get("PUBLIC_URL"),
            attachments=storage.root_for(config["DATA_DIR"]),
        )
