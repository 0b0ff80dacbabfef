"""Administration: staff users (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import (
    ROLE_LABELS,
    EmptyForm,
    RoleForm,
    TwoFactorRolesForm,
    UserCreateForm,
)
from blueprints.forms import show_error
from blueprints.security import require_staff
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.users import resets, two_factor
from helpdesk.users.models import Role
from helpdesk.users.queries import all_users, user_by_id
from helpdesk.users.reset_mail import queue_reset_link
from helpdesk.users.services import UserError, create_user, set_active, set_role

bp = Blueprint("admin", __name__)
bp.before_request(require_staff(Role.ADMIN))


@bp.route("/users", methods=["GET", "POST"])
def user_list() -> Any:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except UserError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("User created."), "success")
            return redirect(url_for("admin.user_list"))
    users = all_users(db.session)
    return render_template(
        "admin/user_list.html",
        users=users,
        form=form,
        toggle_form=EmptyForm(),
        two_factor_form=TwoFactorRolesForm(roles=sorted(two_factor.required_roles(db.session))),
        role_labels=ROLE_LABELS,
        role_forms={u.id: RoleForm(formdata=None, role=u.role) for u in users},
    )


@bp.post("/users/two-step")
def two_factor_roles() -> Any:
    form = TwoFactorRolesForm()
    if not form.validate_on_submit():
        abort(400)
    two_factor.require_for_roles(
        db.session, form.roles.data or [], actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    flash(_("Two-step sign-in requirements saved."), "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_toggle_active(user_id: int) -> Any:
    user = user_by_id(db.session, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        set_active(
            db.session,
            user,
            not user.is_active_user,
            actor=Actor.for_user(current_user),
            now=clock.now(),
        )
        db.session.commit()
    return redirect(url_for("admin.user_list"))


@bp.post("/users/<int:user_id>/role")
def user_set_role(user_id: int) -> Any:
    user = user_by_id(db.session, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_role(
            db.session, user, form.role.data, actor=Actor.for_user(current_user), now=clock.now()
        )
    except UserError as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s is now %(role)s.", name=user.name, role=ROLE_LABELS[Role(user.role)]),
            "success",
        )
    return redirect(url_for("admin.user_list"))


@bp.post("/users/<int:user_id>/reset-password")
def user_send_reset(user_id: int) -> Any:
    user = user_by_id(db.session, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not user.is_active_user:
        flash(_("Activate the user first: a deactivated user cannot set a password."), "error")
        return redirect(url_for("admin.user_list"))
    now = clock.now()
    token = resets.issue(db.session, user, actor=Actor.for_user(current_user), now=now)
    db.session.commit()  # the link works before the mail that carries it leaves
    queue_reset_link(
        user,
        url_for("auth.password_reset", token=token, _external=True),
        secret_key=current_app.config["SECRET_KEY"],
        now=now,
    )
    flash(
        _(
            "We sent %(email)s a link to set a new password. It works once, for an hour.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("admin.user_list"))
