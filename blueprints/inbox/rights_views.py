"""The data-export card of a data-rights ticket: produce the contact's export (a job),
follow its progress, download it, deliver it to the portal. Only staff who may work on
the ticket (the inbox's visibility rule) — anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.portal.rights import export_file
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.datarights import queries, services
from helpdesk.datarights.labels import CHANNEL_LABELS, COUNTRY_LABELS, KIND_LABELS, STATUS_LABELS
from helpdesk.datarights.models import ExportStatus
from helpdesk.extensions import db
from helpdesk.tickets.models import Ticket

routes = Routes()


def export_card(ticket: Ticket) -> dict[str, Any]:
    """What the card shows (the ticket page's context and the polled fragment)."""
    exports = queries.exports_of_ticket(db.session, ticket.id)
    return {
        "exports": exports,
        "request": queries.request_of_ticket(db.session, ticket.id),
        "working": any(
            e.status in (ExportStatus.QUEUED.value, ExportStatus.RUNNING.value) for e in exports
        ),
        "form": EmptyForm(formdata=None),
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "country_labels": COUNTRY_LABELS,
        "channel_labels": CHANNEL_LABELS,
    }


@routes.post("/tickets/<folio>/data-export")
def data_export_produce(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.request_export(db.session, ticket, current_user, now=clock.now())
    db.session.commit()
    flash(_("The data export is being produced."), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio) + "#data-export")


@routes.get("/tickets/<folio>/data-export/card")
def data_export_card(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    return render_template("inbox/_data_export.html", ticket=ticket, card=export_card(ticket))


@routes.post("/data-exports/<int:export_id>/deliver")
def data_export_deliver(export_id: int) -> Any:
    export = queries.export_for_staff(db.session, export_id, current_user) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.deliver_export(db.session, export, current_user, now=clock.now())
    except services.ExportError:
        flash(_("The export is not ready yet."), "error")
    else:
        db.session.commit()
        flash(_("The debtor can now download the export on the portal."), "success")
    return redirect(url_for("inbox.ticket_show", folio=export.ticket.folio) + "#data-export")


@routes.get("/data-exports/<int:export_id>.<part>")
def data_export_download(export_id: int, part: str) -> Any:
    export = queries.export_for_staff(db.session, export_id, current_user) or abort(404)
    response = export_file(export, part)
    services.record_download(
        db.session, export, actor=Actor.for_user(current_user), part=part, now=clock.now()
    )
    db.session.commit()
    return response


def _ticket_or_404(folio: str) -> Ticket:
    return queries.ticket_for_staff(db.session, folio, current_user) or abort(404)
