"""What reading mail takes from the app's settings, in one value.

The channel's boundaries (the poll jobs, ``helpdesk ingest-eml`` and the quarantine
commands, the admin's retry view) build it once with ``from_config(app.config)`` and pass
it down; nothing below them reads the Flask app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from helpdesk.intake.services import IntakeSettings

DEFAULT_LOCK_SECONDS = 60  # HELPDESK_MAIL_POLL_LOCK_SECONDS


@dataclass(frozen=True)
class EmailSettings:
    intake: IntakeSettings
    max_bytes: int  # MAIL_MAX_BYTES: largest message kept whole; bodies per FETCH
    mail_domain: str  # MAIL_DOMAIN: ours, besides the mailboxes' and queues'
    default_locale: str  # of acknowledgements to a contact without a language
    ack_limit: int  # acknowledgements per sender inside ``ack_window``
    ack_window: timedelta
    data_dir: Path  # the poll's file locks without Redis
    poll_lock_seconds: float  # time to live of a mailbox's poll lock in Redis
    agency: str = "Aclara"  # AGENCY_NAME: the name under acknowledgements without branding

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EmailSettings:
        limit, window = config["ACK_LIMIT"]
        return cls(
            intake=IntakeSettings.from_config(config),
            max_bytes=config["MAIL_MAX_BYTES"],
            mail_domain=config["MAIL_DOMAIN"],
            default_locale=config["DEFAULT_LOCALE"],
            ack_limit=limit,
            ack_window=timedelta(seconds=window),
            data_dir=Path(config["DATA_DIR"]),
            poll_lock_seconds=float(config.get("MAIL_POLL_LOCK_SECONDS") or DEFAULT_LOCK_SECONDS),
            agency=config["AGENCY_NAME"],
        )
