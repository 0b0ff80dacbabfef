"""Administration of API tokens: create (the secret shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.token_forms import SCOPE_LABELS, TokenCreateForm
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.tokens import queries, services

routes = Routes()


@routes.route("/api-tokens", methods=["GET", "POST"])
def api_token_list() -> Any:
    form = TokenCreateForm()
    if form.validate_on_submit():
        days = int(form.expires.data or 0)
        try:
            token, secret = services.create_token(
                db.session,
                name=form.name.data.strip(),
                scopes=form.scopes.data,
                expires_in_days=days or None,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except services.TokenError:
            form.name.errors.append(_("A token with this name already exists."))
        else:
            db.session.commit()
            # Shown on this answer only: the secret is not kept and cannot be shown again.
            return render_template(
                "admin/api_token_secret.html",
                token=token,
                secret=secret,
                scope_labels=SCOPE_LABELS,
            )
    return render_template(
        "admin/api_token_list.html",
        form=form,
        tokens=queries.all_tokens(db.session),
        action_form=EmptyForm(),
        scope_labels=SCOPE_LABELS,
        now=clock.now(),
    )


@routes.post("/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int) -> Any:
    token = queries.token_by_id(db.session, token_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if token.revoked_at is None:
        services.revoke(db.session, token, actor=Actor.for_user(current_user), now=clock.now())
        db.session.commit()
    flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("admin.api_token_list"))
