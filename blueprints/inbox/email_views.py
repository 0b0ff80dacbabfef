"""The email reply from the ticket page: parse the composer, call ``reply_by_email``,
and go back to the ticket (or show the composer again with what was typed and why not)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.inbox.forms import EmailReplyForm, seen_message_id
from blueprints.inbox.views import _ticket_or_404, render_ticket
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.channels.email.replies import (
    EmailReply,
    ReplyRefused,
    parse_addresses,
    reply_by_email,
)
from helpdesk.extensions import db
from helpdesk.holds.services import OutcomeRequired
from helpdesk.tickets.services import IncomingFile, NewMessageArrived, TicketError

routes = Routes()

SENT_THEN = {
    "": lambda: _("Reply queued for sending."),
    "pending": lambda: _("Reply queued; the case waits for the debtor."),
    "resolved": lambda: _("Reply queued; the case is resolved."),
}


@routes.route("/tickets/<folio>/email", methods=["POST"])
def email_reply(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = EmailReplyForm()
    then = request.form.get("then", "")
    if then not in SENT_THEN:
        then = ""
    if not form.validate_on_submit():
        return render_ticket(ticket, reply_form=form), 422
    seen = seen_message_id(request.form)
    try:
        reply = EmailReply(
            text=form.text.data,
            cc=parse_addresses(form.cc.data or ""),
            files=[
                IncomingFile(
                    f.filename or "adjunto", f.mimetype or "application/octet-stream", f.read()
                )
                for f in form.files.data or []
                if f and f.filename
            ],
            then=then or None,
            seen_message_id=seen,
        )
        reply_by_email(
            db.session,
            ticket,
            reply,
            author=current_user,
            attachments=storage.root_for(current_app.config["DATA_DIR"]),
            now=clock.now(),
        )
    except NewMessageArrived:
        db.session.rollback()
        # Nothing was stored: the page again, the new message in the conversation and the
        # typed reply kept, with the choice to read first or send anyway.
        arrived = {"channel": "email", "seen": seen, "then": then, "had_files": bool(reply.files)}
        return render_ticket(ticket, reply_form=form, arrived=arrived), 422
    except (ReplyRefused, OutcomeRequired, TicketError) as error:
        db.session.rollback()
        field = getattr(form, getattr(error, "field", ""), None) or form.text
        field.errors = [*field.errors, str(error)]
        return render_ticket(ticket, reply_form=form), 422
    db.session.commit()
    flash(SENT_THEN[then](), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))
