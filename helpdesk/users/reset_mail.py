"""The password reset link's email: from the ``mail`` queue, never through a ticket,
handed over by ``helpdesk.mail.deliver`` like every mail that is not a ticket's."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.jobs import enqueue
from helpdesk.logs import mask_address
from helpdesk.mail import DeliveryError, deliver
from helpdesk.secrets import seal
from helpdesk.users.models import User
from helpdesk.users.resets import LIFETIME

log = logging.getLogger(__name__)


def queue_reset_link(user: User, link: str, *, secret_key: str, now: datetime) -> None:
    """Send the link from the ``mail`` queue (a slow mail server must not hang the page);
    the link carries the token, so it travels sealed with the app's key."""
    sealed = seal(link, secret_key=secret_key)
    enqueue(send_reset_job, user.id, sealed, now.isoformat(), queue="mail")


def send_reset_job(user_id: int, sealed_link: str, issued_at: str) -> bool:
    """The job's name queued RQ jobs hold; the job is ``users.jobs.send_reset_job``."""
    from helpdesk.users import jobs

    return jobs.send_reset_job(user_id, sealed_link, issued_at)


def send_reset(user: User, link: str, *, config: Mapping[str, Any], now: datetime) -> bool:
    """Hand the link's mail over as the app's settings say; False (logged) if it failed."""
    mail = compose_reset(user, link, config=config, now=now)
    try:
        deliver(mail, config)
    except DeliveryError as error:
        log.warning("mail to %s failed: %s", mask_address(parseaddr(str(mail["To"]))[1]), error)
        return False
    return True


def compose_reset(
    user: User, link: str, *, config: Mapping[str, Any], now: datetime
) -> EmailMessage:
    sender = config["MAIL_FROM"] or f"no-reply@{config['MAIL_DOMAIN']}"
    minutes = int(LIFETIME.total_seconds() // 60)
    with force_locale(user.locale or config["DEFAULT_LOCALE"]):
        subject = _("Set a new Aclara password")
        body = _(
            "Hello %(name)s,\n\nTo set a new password for Aclara, open this link:\n\n%(link)s"
            "\n\nIt is valid for %(minutes)s minutes and works once. Setting the password "
            "signs you out of every other browser.\n\nIf you did not ask for it, ignore this "
            "email: your password stays as it is.",
            name=user.name,
            link=link,
            minutes=minutes,
        )
    mail = EmailMessage()
    mail["From"] = formataddr(("Aclara", sender))
    mail["To"] = formataddr((user.name, user.email))
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(f"{body}\n")
    return mail
