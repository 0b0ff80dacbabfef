"""The WhatsApp composer on the ticket page: free text inside the 24-hour window, an
approved template outside it. The rules live in ``helpdesk.channels.whatsapp.replies``."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.inbox.forms import seen_message_id
from blueprints.inbox.views import render_ticket, uploaded_files
from blueprints.inbox.whatsapp_forms import TemplateReplyForm, WhatsAppReplyForm
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.channels.whatsapp import labels, queries, replies
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.extensions import db
from helpdesk.tickets import queries as ticket_queries
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import NewMessageArrived, TicketError

routes = Routes()


@routes.route("/tickets/<folio>/whatsapp", methods=["POST"])
def whatsapp_reply(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = WhatsAppReplyForm()
    if not form.validate_on_submit():
        return _again(ticket, form)
    files = uploaded_files(form.files.data)
    seen = seen_message_id(request.form)
    try:
        replies.reply_text(
            db.session,
            ticket,
            author=current_user,
            text=form.text.data,
            files=files,
            settings=WhatsAppSettings.from_config(current_app.config),
            now=clock.now(),
            seen_message_id=seen,
        )
    except NewMessageArrived:
        db.session.rollback()
        arrived = {"channel": "whatsapp", "seen": seen, "then": "", "had_files": bool(files)}
        return render_ticket(ticket, whatsapp_form=form, arrived=arrived), 422
    except (replies.ReplyRefused, TicketError) as error:
        db.session.rollback()
        form.text.errors = [*form.text.errors, str(error)]
        return _again(ticket, form)
    db.session.commit()
    flash(_("Reply queued for WhatsApp."), "success")
    return _back(ticket)


@routes.route("/tickets/<folio>/whatsapp/template", methods=["POST"])
def whatsapp_template_send(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = TemplateReplyForm()
    template = queries.template_by_id(db.session, form.template_id.data or 0)
    if not form.validate_on_submit() or template is None:
        abort(400)
    try:
        replies.reply_template(
            db.session,
            ticket,
            template,
            author=current_user,
            settings=WhatsAppSettings.from_config(current_app.config),
            now=clock.now(),
        )
    except replies.ReplyRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return _again(ticket, WhatsAppReplyForm(formdata=None))
    db.session.commit()
    flash(_("Template queued for WhatsApp."), "success")
    return _back(ticket)


@routes.app_template_global("whatsapp_media_reason")
def whatsapp_media_reason(reason: str | None) -> str:
    return labels.media_reason(reason)


def _ticket_or_404(folio: str) -> Ticket:
    return ticket_queries.ticket_by_folio(db.session, folio) or abort(404)


def _again(ticket: Ticket, form: WhatsAppReplyForm) -> tuple[str, int]:
    """The ticket page again, its WhatsApp composer keeping what the agent typed and why
    it did not go (files must be chosen again: browsers do not refill file inputs)."""
    return render_ticket(ticket, whatsapp_form=form), 422


def _back(ticket: Ticket) -> Any:
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio) + "#whatsapp-composer")
