"""Canned responses: each agent keeps their own, admins the shared ones; the composer
fills one in for the ticket and puts it where the agent is writing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.forms import show_error
from blueprints.inbox.canned_forms import CannedForm
from blueprints.inbox.views import _ticket_or_404
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.canned import queries
from helpdesk.canned.services import CannedError, CannedValues, delete, fill, save
from helpdesk.extensions import db
from helpdesk.queues.queries import active_queues
from helpdesk.users.models import Role

routes = Routes()


@routes.route("/canned", methods=["GET", "POST"])
def canned_list() -> Any:
    form = _form()
    if form.validate_on_submit():
        try:
            _save(None, form)
        except CannedError as error:
            show_error(form, error)
        else:
            flash(_("Answer saved."), "success")
            return redirect(url_for("inbox.canned_list"))
    return _page(form), 422 if form.errors else 200


@routes.route("/canned/<int:response_id>", methods=["GET", "POST"])
def canned_edit(response_id: int) -> Any:
    response = queries.editable(db.session, response_id, current_user) or abort(404)
    form = _form(obj=response)
    if not form.is_submitted():
        form.queue_id.data, form.shared.data = response.queue_id or 0, response.owner_id is None
    if form.validate_on_submit():
        try:
            _save(response, form)
        except CannedError as error:
            show_error(form, error)
        else:
            flash(_("Answer saved."), "success")
            return redirect(url_for("inbox.canned_list"))
    return render_template("inbox/canned_edit.html", form=form, response=response)


@routes.post("/canned/<int:response_id>/delete")
def canned_delete(response_id: int) -> Any:
    if not EmptyForm().validate_on_submit():
        abort(400)
    response = queries.editable(db.session, response_id, current_user) or abort(404)
    delete(db.session, response, actor=Actor.for_user(current_user), now=clock.now())
    db.session.commit()
    flash(_("Answer deleted."), "success")
    return redirect(url_for("inbox.canned_list"))


@routes.get("/tickets/<folio>/canned/<int:response_id>")
def canned_filled(folio: str, response_id: int) -> Any:
    """The answer with this ticket's facts, for the composer to insert."""
    ticket = _ticket_or_404(folio)
    response = queries.usable(db.session, response_id, ticket, current_user) or abort(404)
    return jsonify(text=fill(db.session, response, ticket, current_user))


def _form(**kwargs: Any) -> CannedForm:
    form = CannedForm(**kwargs)
    form.queue_id.choices = [(0, _("Every queue"))] + [
        (q.id, q.name) for q in active_queues(db.session)
    ]
    return form


def _save(response: Any, form: CannedForm) -> None:
    queue = next((q for q in active_queues(db.session) if q.id == form.queue_id.data), None)
    shared = bool(form.shared.data)
    values = CannedValues(form.title.data, form.body.data, form.language.data, queue, shared)
    save(
        db.session,
        response,
        values,
        owner=current_user,
        actor=Actor.for_user(current_user),
        now=clock.now(),
    )
    db.session.commit()


def _page(form: CannedForm) -> str:
    return render_template(
        "inbox/canned_list.html",
        form=form,
        responses=queries.kept_by(db.session, current_user),
        delete_form=EmptyForm(),
        is_admin=current_user.has_role(Role.ADMIN),
    )
