"""The second sign-in step, enrolment in two-step sign-in, and the security page (the
user's two-step settings and open sign-ins)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth.forms import CodeForm, ConfirmForm
from blueprints.auth.signing import finish, pending_next, pending_user
from blueprints.auth.views import safe_next
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db, limiter
from helpdesk.signins import queries as signin_queries
from helpdesk.signins import services as signins
from helpdesk.users import two_factor
from helpdesk.users.models import User
from helpdesk.users.two_factor import TwoFactorError

routes = Routes()


def _code_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _code_key() -> str:
    # Per user, whatever the address: six digits must not be guessable from many places.
    user = pending_user(clock.now())
    return f"second-step|{user.id if user else request.remote_addr}"


def _failed(response: Any) -> bool:
    return response.status_code != 302


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


# --- At sign-in -----------------------------------------------------------------------


@routes.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_code_limit, key_func=_code_key, methods=["POST"], deduct_when=_failed)
def second_step() -> Any:
    now = clock.now()
    user = pending_user(now)
    if user is None:
        return redirect(url_for("auth.login"))
    if not user.has_two_factor:
        return redirect(url_for("auth.second_step_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.verify(db.session, user, form.code.data, secret_key=_secret_key(), now=now):
            next_url = safe_next(pending_next())
            finish(user, now=now)
            return redirect(next_url)
        db.session.rollback()
        form.code.errors.append(_("That code is not right. Try the newest one."))
    return render_template("auth/second_step.html", form=form, user=user)


@routes.route("/login/setup", methods=["GET", "POST"])
def second_step_setup() -> Any:
    """Enrolment a role requires, before the first sign-in completes."""
    now = clock.now()
    user = pending_user(now)
    if user is None:
        return redirect(url_for("auth.login"))
    if user.has_two_factor:
        return redirect(url_for("auth.second_step"))
    form = CodeForm()
    if form.validate_on_submit():
        codes = _confirm(user, form)
        if codes is not None:
            next_url = safe_next(pending_next())
            finish(user, now=now)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    return _setup_page(user, form, action=url_for("auth.second_step_setup"), required=True)


def _setup_page(user: User, form: CodeForm, *, action: str, required: bool) -> Any:
    secret = two_factor.pending_secret(user, secret_key=_secret_key())
    if secret is None:
        secret = two_factor.start_enrolment(db.session, user, secret_key=_secret_key())
        db.session.commit()
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/two_step_setup.html",
        form=form, action=action, required=required,
        qr=two_factor.qr_code(uri), secret=two_factor.grouped(secret),
    )  # fmt: skip


def _confirm(user: User, form: CodeForm) -> list[str] | None:
    try:
        codes = two_factor.confirm_enrolment(
            db.session, user, form.code.data,
            secret_key=_secret_key(), actor=Actor.for_user(user), now=clock.now(),
        )  # fmt: skip
    except TwoFactorError as error:
        db.session.rollback()
        show_error(form, error)
        return None
    db.session.commit()
    return codes


# --- The security page ----------------------------------------------------------------


@routes.get("/account/security")
@login_required
def security() -> Any:
    return render_template(
        "auth/security.html",
        code_form=CodeForm(),
        confirm_form=ConfirmForm(),
        required=two_factor.is_required(db.session, current_user),
        unused_codes=two_factor.unused_recovery_codes(db.session, current_user),
        sign_ins=signin_queries.open_for_user(db.session, current_user.id),
        current_token=current_user.sign_in_token,
        is_current=signins.is_current,
    )


@routes.route("/account/security/two-step", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], deduct_when=_failed)
def two_step_setup() -> Any:
    if current_user.has_two_factor:
        return redirect(url_for("auth.security"))
    form = CodeForm()
    if form.validate_on_submit():
        codes = _confirm(current_user, form)
        if codes is not None:
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.security")
            )
    return _setup_page(current_user, form, action=url_for("auth.two_step_setup"), required=False)


@routes.post("/account/security/two-step/off")
@login_required
@limiter.limit(_code_limit, deduct_when=_failed)
def two_step_off() -> Any:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(
                db.session, current_user, form.code.data,
                secret_key=_secret_key(), actor=Actor.for_user(current_user), now=clock.now(),
            )  # fmt: skip
        except TwoFactorError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("auth.security")), 303
        db.session.commit()
        flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("auth.security"))


@routes.post("/account/security/recovery-codes")
@login_required
@limiter.limit(_code_limit, deduct_when=_failed)
def recovery_codes_renew() -> Any:
    form = CodeForm()
    now = clock.now()
    valid = form.validate_on_submit() and two_factor.verify(
        db.session, current_user, form.code.data, secret_key=_secret_key(), now=now
    )
    if not valid:
        db.session.rollback()
        flash(_("That code is not right."), "error")
        return redirect(url_for("auth.security")), 303
    codes = two_factor.new_recovery_codes(
        db.session, current_user, actor=Actor.for_user(current_user), now=now
    )
    db.session.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.security")
    )


@routes.post("/account/security/sign-ins/<int:sign_in_id>/end")
@login_required
def sign_in_end(sign_in_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = signins.end_for_user(
        db.session, current_user.id, sign_in_id=sign_in_id, keep=current_user.sign_in_token,
        now=clock.now(),
    )  # fmt: skip
    if not ended:
        abort(404)
    db.session.commit()
    flash(_("That browser has been signed out."), "info")
    return redirect(url_for("auth.security"))


@routes.post("/account/security/sign-ins/end-others")
@login_required
def sign_ins_end_others() -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    signins.end_for_user(
        db.session, current_user.id, keep=current_user.sign_in_token, now=clock.now()
    )
    db.session.commit()
    flash(_("Every other browser has been signed out."), "info")
    return redirect(url_for("auth.security"))
