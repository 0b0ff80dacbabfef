"""Administration: staff users (admins only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin.forms import ROLE_LABELS, EmptyForm, TwoFactorRolesForm, UserCreateForm
from blueprints.forms import show_error
from blueprints.security import require_staff
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.users import two_factor
from helpdesk.users.models import Role, User
from helpdesk.users.services import UserError, create_user, set_active

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
    users = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template(
        "admin/user_list.html",
        users=users,
        form=form,
        toggle_form=EmptyForm(),
        two_factor_form=TwoFactorRolesForm(roles=sorted(two_factor.required_roles(db.session))),
        role_labels=ROLE_LABELS,
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
    user = db.session.get(User, user_id) or abort(404)
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
