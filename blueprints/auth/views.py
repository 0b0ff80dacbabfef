"""Staff sign-in, sign-out and profile."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from blueprints.auth.forms import LoginForm, ProfileForm
from blueprints.auth.signing import finish, remember_pending
from blueprints.forms import show_error
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db, limiter
from helpdesk.signins import services as signins
from helpdesk.users import two_factor
from helpdesk.users.services import UserError, check_password, update_profile

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_key() -> str:
    # Per address and per account, so one attacker cannot lock everyone out.
    email = (request.form.get("email") or "").strip().lower()
    return f"{request.remote_addr}|{email}"


def _failed(response: Any) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"], deduct_when=_failed)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("inbox.ticket_list"))
    form = LoginForm()
    if form.validate_on_submit():
        now = clock.now()
        user = check_password(db.session, form.email.data, form.password.data)
        if user is not None:
            next_url = safe_next(request.args.get("next"))
            if user.has_two_factor or two_factor.is_required(db.session, user):
                db.session.commit()  # a rehashed password is kept either way
                remember_pending(user, remember=form.remember.data, next_url=next_url, now=now)
                return redirect(url_for("auth.second_step"))
            finish(user, remember=form.remember.data, now=now)
            return redirect(next_url)
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        signins.end(db.session, current_user.sign_in_token, now=clock.now())
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile_edit() -> Any:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_profile(
                db.session,
                current_user,
                name=form.name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
                signature=form.signature.data or "",
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except UserError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("auth.profile_edit"))
    return render_template("auth/profile_edit.html", form=form)


def safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("inbox.ticket_list")
