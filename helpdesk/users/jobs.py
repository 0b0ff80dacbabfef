"""The users' jobs: where the app's settings are read and handed to ``users.reset_mail``."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from helpdesk.extensions import db
from helpdesk.secrets import SecretError, unseal
from helpdesk.users.models import User
from helpdesk.users.reset_mail import send_reset

log = logging.getLogger("helpdesk.users.reset_mail")  # where the reset mail has always logged


def send_reset_job(user_id: int, sealed_link: str, issued_at: str) -> bool:
    """Email a password reset link (run as ``users.reset_mail.send_reset_job``)."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    config = current_app.config
    try:
        link = unseal(sealed_link, secret_key=config["SECRET_KEY"])
    except SecretError:  # the key changed since: the link could not be checked either
        log.warning("password reset: link for user %s could not be unsealed", user_id)
        return False
    return send_reset(user, link, config=config, now=datetime.fromisoformat(issued_at))
