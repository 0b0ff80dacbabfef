"""The password reset link's email: from the ``mail`` queue, never through a ticket,
handed over by ``helpdesk.mail.deliver`` like every mail that is not a ticket's."""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.extensions import db
from helpdesk.jobs import enqueue
from helpdesk.logs import mask_address
from helpdesk.mail import DeliveryError, deliver
from helpdesk.secrets import SecretError, seal, unseal
from helpdesk.users.models import User
from helpdesk.users.resets import LIFETIME

log = logging.getLogger(__name__)


def queue_reset_link(user: User, link: str, *, now: datetime) -> None:
    """Send the link from the ``mail`` queue (a slow mail server must not hang the page);
    the link carries the token, so it travels sealed with the app's key."""
    enqueue(send_reset_job, user.id, seal(link), now.isoformat(), queue="mail")


def send_reset_job(user_id: int, sealed_link: str, issued_at: str) -> bool:
    user = db.session.get(User, user_id)
    if user is None:
        return False
    try:
        link = unseal(sealed_link)
    except SecretError:  # the key changed since: the link could not be checked either
        log.warning("password reset: link for user %s could not be unsealed", user_id)
        return False
    mail = compose_reset(user, link, now=datetime.fromisoformat(issued_at))
    try:
        deliver(mail, current_app.config)
    except DeliveryError as error:
        log.warning("mail to %s failed: %s", mask_address(parseaddr(str(mail["To"]))[1]), error)
        return False
    return True


def compose_reset(user: User, link: str, *, now: datetime) -> EmailMessage:
    config = current_app.config
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
