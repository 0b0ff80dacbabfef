"""The portal's jobs: where the app's settings are read and handed to ``portal.mail``."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from helpdesk.branding.queries import brand
from helpdesk.contacts.models import Contact
from helpdesk.extensions import db
from helpdesk.logs import mask_address
from helpdesk.portal.mail import send_code
from helpdesk.portal.whatsapp import send_whatsapp_code
from helpdesk.secrets import SecretError, unseal

log = logging.getLogger("helpdesk.portal.mail")  # where the code's mail has always logged


def send_code_job(contact_id: int, address: str, sealed_code: str, issued_at: str) -> bool:
    """Email a sign-in code (run as ``portal.mail.send_code_job``, the name RQ holds)."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        return False
    config = current_app.config
    try:
        code = unseal(sealed_code, secret_key=config["SECRET_KEY"])
    except SecretError:  # the key changed since: the code cannot be read, nor used
        log.warning("portal: code for %s could not be unsealed", mask_address(address))
        return False
    look = brand(db.session, default_name=config["AGENCY_NAME"])
    return send_code(
        contact, address, code, config=config, now=datetime.fromisoformat(issued_at), brand=look
    )


def send_whatsapp_code_job(contact_id: int, phone: str, sealed_code: str, issued_at: str) -> bool:
    """Send a sign-in code by WhatsApp (run as ``portal.whatsapp.send_whatsapp_code_job``)."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        return False
    config = current_app.config
    try:
        code = unseal(sealed_code, secret_key=config["SECRET_KEY"])
    except SecretError:
        log.warning("portal: code for %s could not be unsealed", mask_address(phone))
        return False
    sent = send_whatsapp_code(db.session, contact, phone, code, config=config)
    db.session.commit()  # the environment's number row, when this made it
    return sent
