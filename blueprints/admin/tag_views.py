"""Administration of tags: list with their use, create, rename, delete."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.tag_forms import TagForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.routing import queries, tags

routes = Routes()


@routes.route("/tags", methods=["GET", "POST"])
def tag_list() -> Any:
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = tags.create_tag(
                db.session, form.name.data, actor=Actor.for_user(current_user), now=clock.now()
            )
        except tags.TagError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Tag %(name)s created.", name=tag.name), "success")
            return redirect(url_for("admin.tag_list"))
    return _page(form=form)


@routes.post("/tags/rename")
def tag_rename() -> Any:
    old = request.form.get("old", "")
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = tags.rename_tag(
                db.session,
                old,
                form.name.data,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except tags.TagError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Tag %(old)s is now %(new)s.", old=old, new=tag.name), "success")
    else:
        flash(_("Give the tag a name."), "error")
    return redirect(url_for("admin.tag_list"))


@routes.post("/tags/delete")
def tag_delete() -> Any:
    name = request.form.get("name", "")
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tags.delete_tag(db.session, name, actor=Actor.for_user(current_user), now=clock.now())
    except tags.TagError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Tag %(name)s deleted from every ticket and rule.", name=name), "success")
    return redirect(url_for("admin.tag_list"))


def _page(*, form: TagForm) -> str:
    return render_template(
        "admin/tag_list.html",
        form=form,
        rows=queries.tag_rows(db.session),
        rename_form=TagForm(formdata=None),
        action_form=EmptyForm(),
    )
