"""The sign-in code by WhatsApp: an approved authentication template (Meta's "copy code"
kind) from the default number. Such a template takes the code twice: as the body's one
parameter, and as the parameter of its URL button (index 0), the button that copies it.

Off unless ``PORTAL_WHATSAPP_CODE_TEMPLATE`` names the approved template and a WhatsApp
number is configured. Like the email, the code leaves from a job, sealed in the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.channels.whatsapp import numbers
from helpdesk.channels.whatsapp.client import GraphError, Recipient
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts.models import Contact
from helpdesk.jobs import enqueue
from helpdesk.logs import mask_address
from helpdesk.secrets import seal

log = logging.getLogger(__name__)
LANGUAGES = {"es": "es_MX", "en": "en_US"}  # Meta's codes for the contact's language


def ready(session: Session, config: Mapping[str, Any]) -> bool:
    """Whether a code can go by WhatsApp here at all."""
    if not config.get("PORTAL_WHATSAPP_CODE_TEMPLATE"):
        return False
    return numbers.default_number(session, WhatsAppSettings.from_config(config)) is not None


def components(code: str) -> list[dict[str, Any]]:
    """The send-time components of a copy-code authentication template."""
    return [
        {"type": "body", "parameters": [{"type": "text", "text": code}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": code}],
        },
    ]


def queue_whatsapp_code(
    contact: Contact, phone: str, code: str, *, secret_key: str, now: datetime
) -> None:
    sealed = seal(code, secret_key=secret_key)
    enqueue(send_whatsapp_code_job, contact.id, phone, sealed, now.isoformat(), queue="default")


def send_whatsapp_code_job(contact_id: int, phone: str, sealed_code: str, issued_at: str) -> bool:
    """The name RQ holds; the job is ``portal.jobs.send_whatsapp_code_job``."""
    from helpdesk.portal import jobs

    return jobs.send_whatsapp_code_job(contact_id, phone, sealed_code, issued_at)


def send_whatsapp_code(
    session: Session, contact: Contact, phone: str, code: str, *, config: Mapping[str, Any]
) -> bool:
    """Send the template; False (logged) when WhatsApp refused or is not set up."""
    settings = WhatsAppSettings.from_config(config)
    number = numbers.default_number(session, settings)
    template = config.get("PORTAL_WHATSAPP_CODE_TEMPLATE")
    if number is None or not template:
        log.warning("portal: no WhatsApp number or code template for %s", mask_address(phone))
        return False
    language = LANGUAGES.get((contact.language or "es")[:2], "es_MX")
    try:
        client = numbers.client_for(number, settings)
        client.send_template(Recipient(phone=phone), template, language,
                             components=components(code))
    except (numbers.NumberError, GraphError) as error:
        log.warning("portal: WhatsApp code to %s failed: %s", mask_address(phone), error)
        return False
    log.info("portal: code sent by WhatsApp to %s", mask_address(phone))
    return True
