"""Forgotten passwords: ask for a link by email, and set a new password through it."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from blueprints.auth.forms import ForgotPasswordForm, NewPasswordForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db, limiter
from helpdesk.logs import mask_address
from helpdesk.users import resets
from helpdesk.users.reset_mail import queue_reset_link
from helpdesk.users.services import find_by_email, normalise_email

routes = Routes()

log = logging.getLogger(__name__)


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _forgot_key() -> str:
    # Per address and per account, as the sign-in: nobody floods one person's mailbox.
    email = normalise_email(request.form.get("email") or "")
    return f"forgot|{request.remote_addr}|{email}"


@routes.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_limit, key_func=_forgot_key, methods=["POST"])
def password_forgot() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        _send_link_if_known(form.email.data)
        # The same words whether or not the address belongs to someone.
        flash(
            _(
                "If that address belongs to an active user, we have sent it a link to set a "
                "new password. It works once, for an hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/password_forgot.html", form=form)


@routes.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def password_reset(token: str) -> Any:
    now = clock.now()
    try:
        resets.check(db.session, token, now=now)
    except resets.ResetError as error:
        return render_template("auth/password_reset_invalid.html", reason=error.reason), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            resets.complete(db.session, token, form.password.data, now=now)
        except resets.PasswordError as error:
            show_error(form, error)
        except resets.ResetError as error:
            db.session.rollback()
            return render_template("auth/password_reset_invalid.html", reason=error.reason), 410
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(
                _("Your new password is set, and every other session has ended. Sign in with it."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form)


def _send_link_if_known(email: str) -> None:
    user = find_by_email(db.session, email)
    if user is None or not user.is_active_user:
        log.info("password reset asked for unknown %s", mask_address(normalise_email(email)))
        return
    now = clock.now()
    token = resets.issue(db.session, user, actor=Actor.for_user(user), now=now)
    db.session.commit()  # the link works before the mail that carries it leaves
    queue_reset_link(
        user,
        url_for("auth.password_reset", token=token, _external=True),
        secret_key=current_app.config["SECRET_KEY"],
        now=now,
    )
