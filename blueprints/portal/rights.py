"""The debtor's "My personal data" page: a copy of their data, a correction, or an
opposition to contact on a channel, each a data-rights ticket with its legal deadline;
and the downloads of the exports delivered to them (their own only: anything else 404)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from blueprints.forms import show_error
from blueprints.portal.guard import bp, current_contact
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.datarights import queries, services
from helpdesk.datarights.labels import CHANNEL_LABELS, KIND_LABELS
from helpdesk.datarights.models import DataExport, RightKind
from helpdesk.extensions import db
from helpdesk.intake.services import IntakeSettings
from helpdesk.intake.text import clean_text

PARTS = {"json": ("application/json", "json"), "pdf": ("application/pdf", "pdf")}


class RightsForm(FlaskForm):
    wrong = TextAreaField(_l("What is wrong"), validators=[Optional(), Length(max=2000)])
    right = TextAreaField(_l("What is right"), validators=[Optional(), Length(max=2000)])
    channel = SelectField(_l("Channel"), validators=[Optional()])
    text = TextAreaField(_l("Anything else (optional)"), validators=[Optional(), Length(max=2000)])


def _forms() -> dict[str, RightsForm]:
    """One form a right, each with its own prefix so an error shows on the right card."""
    forms = {}
    for kind in RightKind:
        form = RightsForm(prefix=kind.value, formdata=None)
        form.channel.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(value, str(words)) for value, words in CHANNEL_LABELS.items()
        ]
        forms[kind.value] = form
    return forms


@bp.route("/data", methods=["GET", "POST"])
def data_rights() -> Any:
    contact = current_contact()
    forms = _forms()
    status = 200
    if request.method == "POST":
        kind = request.form.get("kind", "")
        if kind not in forms:
            abort(400)
        form = RightsForm(prefix=kind)
        form.channel.choices = forms[kind].channel.choices
        forms[kind] = form
        if form.validate_on_submit():
            wanted = services.RightsRequest(
                kind=kind,
                text=clean_text(form.text.data or ""),
                wrong=clean_text(form.wrong.data or ""),
                right=clean_text(form.right.data or ""),
                channel=form.channel.data or "",
            )
            try:
                made = services.open_request(
                    db.session,
                    contact,
                    wanted,
                    settings=IntakeSettings.from_config(current_app.config),
                    now=clock.now(),
                )
            except services.RequestError as error:
                show_error(form, error)
            else:
                db.session.commit()
                return redirect(url_for("portal.ticket_show", folio=made.ticket.folio, opened=1))
        status = 400
    return render_template(
        "portal/data_rights.html",
        forms=forms,
        kind_labels=KIND_LABELS,
        requests=queries.requests_of(db.session, contact.id),
        exports=queries.delivered_exports(db.session, contact.id),
    ), status


@bp.get("/data/exports/<int:export_id>.<part>")
def data_export_download(export_id: int, part: str) -> Any:
    """A delivered export of the signed-in debtor's own data; anything else is a 404."""
    contact = current_contact()
    export = queries.export_for_contact(db.session, contact.id, export_id) or abort(404)
    response = export_file(export, part)
    services.record_download(
        db.session, export, actor=Actor.for_contact(contact), part=part, now=clock.now()
    )
    db.session.commit()
    return response


def delivered_for(ticket: Any) -> list[DataExport]:
    """The exports delivered on one of the debtor's tickets (its page shows them)."""
    return queries.delivered_exports(db.session, ticket.contact_id, ticket.id)


def export_file(export: DataExport, part: str) -> Any:
    """The JSON or PDF of an export as a download (portal and inbox)."""
    if part not in PARTS:
        abort(404)
    digest = export.json_sha256 if part == "json" else export.pdf_sha256
    if not digest:
        abort(404)
    data = storage.read(digest, storage.root_for(current_app.config["DATA_DIR"]))
    mimetype, extension = PARTS[part]
    response = current_app.response_class(data, mimetype=mimetype)
    name = storage.safe_filename(f"datos-personales-{export.ticket.folio}.{extension}")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
