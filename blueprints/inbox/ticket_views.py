"""The ticket page's own small writes: tags added and removed inline, merging into another
ticket of the same debtor (asked first), and PDFs previewed in the browser."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.inbox.ticket_forms import MergeForm, TagForm
from blueprints.inbox.views import INLINE_IMAGE_TYPES
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.inbox import services as inbox
from helpdesk.routing import services as routing
from helpdesk.routing.rules import clean_tag
from helpdesk.tickets import queries
from helpdesk.tickets.models import Ticket

routes = Routes()


@routes.post("/tickets/<folio>/tags")
def ticket_tag_add(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = TagForm()
    tag = clean_tag(form.tag.data or "") if form.validate_on_submit() else ""
    if not tag:
        flash(_("Write the tag to add (letters, digits and dashes)."), "error")
        return _back(ticket)
    added = routing.add_tags(
        db.session, ticket, [tag], actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    if added:
        flash(_("Tag %(tag)s added.", tag=tag), "success")
    else:
        flash(_("The ticket already has the tag %(tag)s.", tag=tag), "info")
    return _back(ticket)


@routes.post("/tickets/<folio>/tags/remove")
def ticket_tag_remove(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = TagForm()
    if not form.validate_on_submit():
        abort(400)
    removed = routing.remove_tag(
        db.session, ticket, form.tag.data, actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    if removed:
        flash(_("Tag %(tag)s removed.", tag=form.tag.data), "success")
    return _back(ticket)


@routes.post("/tickets/<folio>/merge")
def ticket_merge(folio: str) -> Any:
    """First the ticket it would merge into, named on a page that asks; then the merge."""
    ticket = _ticket_or_404(folio)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Give the folio of the ticket to merge into."), "error")
        return _back(ticket)
    try:
        if form.confirmed.data != "yes":
            into = inbox.merge_check(db.session, ticket, form.into.data, current_user)
            form.confirmed.data = "yes"
            form.into.data = into.folio
            return render_template("inbox/merge_confirm.html", ticket=ticket, into=into, form=form)
        into = inbox.merge_one(
            db.session, ticket, form.into.data, viewer=current_user, now=clock.now()
        )
    except inbox.InboxError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(ticket)
    db.session.commit()
    flash(
        _("%(source)s was merged into this ticket.", source=ticket.folio),
        "success",
    )
    return redirect(url_for("inbox.ticket_show", folio=into.folio))


@routes.get("/attachments/<int:attachment_id>/preview")
def attachment_preview(attachment_id: int) -> Any:
    """A PDF opened in the browser's viewer, sandboxed: no script of it runs with our
    origin, and the type is never sniffed into something else. Other files: download."""
    attachment = queries.attachment_by_id(db.session, attachment_id) or abort(404)
    if attachment.content_type != "application/pdf":
        abort(404)
    data = storage.read(attachment.sha256, storage.root_for(current_app.config["DATA_DIR"]))
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers.set(
        "Content-Disposition", "inline", filename=storage.safe_filename(attachment.filename)
    )
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _ticket_or_404(folio: str) -> Ticket:
    return queries.ticket_by_folio(db.session, folio) or abort(404)


def _back(ticket: Ticket) -> Any:
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.app_template_global("is_preview_image")
def is_preview_image(attachment: Any) -> bool:
    """An attachment the page shows as a thumbnail (the types ``attachment_inline`` serves)."""
    return attachment.content_type in INLINE_IMAGE_TYPES
