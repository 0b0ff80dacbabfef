"""The sign-in code's email: through ``helpdesk.mail.deliver`` (SMTP when configured, the
development outbox otherwise), never through a ticket — it is not a conversation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.branding.queries import Brand, signature
from helpdesk.contacts.models import Contact
from helpdesk.jobs import enqueue
from helpdesk.logs import mask_address
from helpdesk.mail import DeliveryError, address_header, deliver
from helpdesk.portal.services import CODE_LIFETIME
from helpdesk.secrets import seal

log = logging.getLogger(__name__)


def queue_code(
    contact: Contact, address: str, code: str, *, secret_key: str, now: datetime
) -> None:
    """Send the code from the ``mail`` queue, not the debtor's request: a slow or failing
    mail server must not hang the sign-in page. The code travels sealed with the app's
    key (``helpdesk.secrets``), so the queue never holds it in clear;
    without Redis the job runs at once."""
    sealed = seal(code, secret_key=secret_key)
    enqueue(send_code_job, contact.id, address, sealed, now.isoformat(), queue="mail")


def send_code_job(contact_id: int, address: str, sealed_code: str, issued_at: str) -> bool:
    """The job's name queued RQ jobs hold; the job is ``portal.jobs.send_code_job``."""
    from helpdesk.portal import jobs

    return jobs.send_code_job(contact_id, address, sealed_code, issued_at)


def send_code(
    contact: Contact,
    address: str,
    code: str,
    *,
    config: Mapping[str, Any],
    now: datetime,
    brand: Brand | None = None,
) -> bool:
    """Send the code as the app's settings (``config``) say, under the ``brand`` debtors
    know; False (logged) when the mail could not be handed over."""
    mail = compose_code(contact, address, code, config=config, now=now, brand=brand)
    try:
        deliver(mail, config)
    except DeliveryError as error:
        log.warning("portal: code mail to %s failed: %s", mask_address(address), error)
        return False
    log.info("portal: code sent to %s", mask_address(address))
    return True


def compose_code(
    contact: Contact,
    address: str,
    code: str,
    *,
    config: Mapping[str, Any],
    now: datetime,
    brand: Brand | None = None,
) -> EmailMessage:
    sender = config["MAIL_FROM"] or f"portal@{config['MAIL_DOMAIN']}"
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    brand = brand or Brand(display_name=config["AGENCY_NAME"])
    with force_locale(contact.language or config["DEFAULT_LOCALE"]):
        subject = _("Your %(name)s sign-in code: %(code)s", name=brand.display_name, code=code)
        body = _(
            "Hello %(name)s,\n\nYour code to enter the portal is %(code)s. It is valid for "
            "%(minutes)s minutes and can be used once.\n\nIf you did not ask for it, ignore "
            "this email: nobody can enter without the code.",
            name=contact.name or address,
            code=code,
            minutes=minutes,
        )
        body += signature(brand)
    mail = EmailMessage()
    mail["From"] = formataddr((brand.display_name, sender))
    mail["To"] = address_header(contact.name, address)  # a stored name may hold anything
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(f"{body}\n")
    return mail
