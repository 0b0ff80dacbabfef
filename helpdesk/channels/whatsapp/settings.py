"""What the WhatsApp channel takes from the app's settings, in one value.

Its boundaries (the webhook views, the channel's jobs and commands, the admin views, the
reminder run) build it once with ``from_config(app.config)`` and pass it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpdesk.intake.services import IntakeSettings
from helpdesk.receipts.settings import ReceiptSettings


@dataclass(frozen=True)
class WhatsAppSettings:
    # The number configured in the environment (HELPDESK_WHATSAPP_*), if any.
    phone_number_id: str | None
    token: str | None
    app_secret: str | None
    verify_token: str | None
    api_version: str  # also the default of a number an admin adds
    graph_url: str
    secret_key: str  # seals and opens the stored numbers' secrets
    default_locale: str  # of acknowledgements to a contact without a language
    intake: IntakeSettings
    receipts: ReceiptSettings  # the acuse sent with an acknowledgement

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WhatsAppSettings:
        return cls(
            phone_number_id=config["WHATSAPP_PHONE_NUMBER_ID"],
            token=config["WHATSAPP_TOKEN"],
            app_secret=config["WHATSAPP_APP_SECRET"],
            verify_token=config["WHATSAPP_VERIFY_TOKEN"],
            api_version=config["WHATSAPP_API_VERSION"],
            graph_url=config["WHATSAPP_GRAPH_URL"],
            secret_key=config["SECRET_KEY"],
            default_locale=config["DEFAULT_LOCALE"],
            intake=IntakeSettings.from_config(config),
            receipts=ReceiptSettings.from_config(config),
        )
