"""The password reset link's email: from the ``mail`` queue, never through a ticket.

``deliver`` is the one place that hands a message to SMTP or the development outbox, so
it can become the shared mail delivery without touching the rest.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.channels.email.mailboxes import MailboxError, decrypt_password, encrypt_password
from helpdesk.channels.email.transport import DeliveryError, SmtpSettings, send_smtp, write_outbox
from helpdesk.extensions import db
from helpdesk.jobs import enqueue
from helpdesk.portal.codes import mask_address
from helpdesk.users.models import User
from helpdesk.users.resets import LIFETIME

log = logging.getLogger(__name__)


def queue_reset_link(user: User, link: str, *, now: datetime) -> None:
    """Send the link from the ``mail`` queue (a slow mail server must not hang the page);
    the link carries the token, so it travels sealed with the app's key."""
    enqueue(send_reset_job, user.id, encrypt_password(link), now.isoformat(), queue="mail")


def send_reset_job(user_id: int, sealed_link: str, issued_at: str) -> bool:
    user = db.session.get(User, user_id)
    if user is None:
        return False
    try:
        link = decrypt_password(sealed_link)
    except MailboxError:  # the key changed since: the link could not be checked either
        log.warning("password reset: link for user %s could not be unsealed", user_id)
        return False
    return deliver(compose_reset(user, link, now=datetime.fromisoformat(issued_at)))


def deliver(mail: EmailMessage) -> bool:
    """Hand ``mail`` over (SMTP when configured, the development outbox otherwise);
    False, logged, when that failed."""
    config = current_app.config
    try:
        if config["SMTP_URL"]:
            send_smtp(mail, SmtpSettings.from_url(config["SMTP_URL"]))
        elif config["ENV"] == "production":
            raise DeliveryError("no SMTP server is configured", permanent=True)
        else:
            write_outbox(mail, Path(config["DATA_DIR"]) / "outbox")
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
