"""The agents' inbox: the ticket list and the ticket page."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from blueprints.downloads import acuse_download
from blueprints.forms import show_error
from blueprints.inbox.forms import EmailReplyForm, NoteForm, StatusForm
from blueprints.inbox.ticket_page import remember_events_switch, ticket_context
from blueprints.inbox.whatsapp_forms import WhatsAppReplyForm
from blueprints.security import require_staff
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.canned import queries as canned_queries
from helpdesk.canned.services import fill
from helpdesk.channels.email.replies import answers_by_email
from helpdesk.extensions import db
from helpdesk.holds import services as holds
from helpdesk.inbox import services as inbox
from helpdesk.sla import mentions
from helpdesk.tickets import queries, services
from helpdesk.tickets.models import Ticket

bp = Blueprint("inbox", __name__)
bp.before_request(require_staff())


@bp.route("/")
def home() -> Any:
    return redirect(url_for("inbox.ticket_list"))


@bp.route("/tickets/<folio>")
def ticket_show(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    remember_events_switch(request.args.get("events"))
    canned_id = request.args.get("canned", type=int)
    if canned_id is None:
        page = render_ticket(ticket)
    else:
        # Without JavaScript a saved answer arrives here: filled in, in the reply box (or
        # the note box when the ticket cannot be answered by email).
        response = canned_queries.usable(db.session, canned_id, ticket, current_user)
        text = fill(db.session, response or abort(404), ticket, current_user)
        if answers_by_email(ticket):
            cc = ", ".join(p.email for p in ticket.participants if p.email)
            page = render_ticket(ticket, reply_form=EmailReplyForm(formdata=None, cc=cc, text=text))
        else:
            page = render_ticket(ticket, note_form=NoteForm(formdata=None, text=text), mode="note")
    # Marked seen once the page is made: the commit expires the loaded conversation, and
    # rendering after it would load each message's attachments again, one query each.
    inbox.mark_seen(db.session, current_user, ticket, now=clock.now())
    db.session.commit()
    return page


@bp.route("/tickets/<folio>/notes", methods=["POST"])
def note_add(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = NoteForm()
    if not form.validate_on_submit():
        return _show_with_errors(ticket, note_form=form)
    mentions.add_note(
        db.session,
        ticket,
        author=current_user,
        text=form.text.data,
        files=uploaded_files(form.files.data),
        attachments=storage.root_for(current_app.config["DATA_DIR"]),
        now=clock.now(),
    )
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@bp.route("/tickets/<folio>/status", methods=["POST"])
def status_set(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = StatusForm(current=ticket.status)
    if not form.validate_on_submit():
        return _show_with_errors(ticket, status_form=form)
    try:
        holds.change_status(
            db.session,
            ticket,
            form.status.data,
            outcome=form.outcome.data or None,
            grace=holds.grace_period(current_app.config),
            actor=Actor.for_user(current_user),
            now=clock.now(),
        )
    except holds.OutcomeRequired as error:
        db.session.rollback()
        show_error(form, error)
        # Said at the top too: on a phone the status card is far below the conversation.
        flash(_("The status did not change: choose the outcome of the dispute."), "error")
        return _show_with_errors(ticket, status_form=form)
    except services.TicketError as error:
        db.session.rollback()
        form.status.errors.append(str(error))
        return _show_with_errors(ticket, status_form=form)
    db.session.commit()
    flash(_("Status changed."), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_CID = re.compile(r"""(src=["'])cid:([^"']+)(["'])""", re.IGNORECASE)


@bp.app_template_filter("inline_images")
def inline_images(html: str, message: Any) -> Markup:
    """Point ``cid:`` images of a (sanitised) message at its inline attachments."""
    by_cid = {a.content_id: a.id for a in message.attachments if a.content_id}

    def replace(match: re.Match[str]) -> str:
        attachment_id = by_cid.get(match.group(2).strip("<>"))
        if attachment_id is None:
            return f"{match.group(1)}{match.group(3)}"
        url = url_for("inbox.attachment_inline", attachment_id=attachment_id)
        return f"{match.group(1)}{url}{match.group(3)}"

    # The HTML was sanitised with nh3 at intake; only our own URLs are put in here.
    return Markup(_CID.sub(replace, html))  # noqa: S704


@bp.app_template_global("skipped_reason")
def skipped_reason(reason: str) -> str:
    known = {
        "too_large": _("too large"),
        "unreadable": _("could not be read"),
        "too_deep": _("nested too deep"),
    }
    return known.get(reason, reason)


@bp.app_template_global("capped_note")
def capped_note(note: dict[str, Any]) -> str:
    """What intake left out of a message with too many addresses or references, or too
    long a subject (see ``helpdesk.intake.text``): the raw message keeps it all."""
    kept = note.get("reason", "").removeprefix("capped:")
    found = note.get("size", 0)
    messages = {
        "participants": _("Only %(kept)s of %(found)s people in To and Cc were added."),
        "recipients": _("Only %(kept)s of %(found)s recipient addresses were kept."),
        "references": _("Only the last %(kept)s of %(found)s references were kept."),
        "subject": _("The subject was shortened to %(kept)s of %(found)s characters."),
    }
    text = messages.get(note.get("filename", ""), _("Part of the message was shortened."))
    return text % {"kept": kept, "found": found} + " " + _("The original message keeps everything.")


@bp.route("/attachments/<int:attachment_id>/inline")
def attachment_inline(attachment_id: int) -> Any:
    """Images shown inside a message; anything else only as a download."""
    attachment = queries.attachment_by_id(db.session, attachment_id) or abort(404)
    if attachment.content_type not in INLINE_IMAGE_TYPES:
        abort(404)
    data = storage.read(attachment.sha256, storage.root_for(current_app.config["DATA_DIR"]))
    response = current_app.response_class(data, mimetype=attachment.content_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/attachments/<int:attachment_id>")
def attachment_download(attachment_id: int) -> Any:
    attachment = queries.attachment_by_id(db.session, attachment_id) or abort(404)
    data = storage.read(attachment.sha256, storage.root_for(current_app.config["DATA_DIR"]))
    response = current_app.response_class(data, mimetype="application/octet-stream")
    response.headers.set(
        "Content-Disposition", "attachment", filename=storage.safe_filename(attachment.filename)
    )
    return response


@bp.route("/tickets/<folio>/acuse.pdf")
def ticket_acuse(folio: str) -> Any:
    """The debtor's acuse de recibo, as the debtor gets it (their language and zone)."""
    return acuse_download(_ticket_or_404(folio))


def _ticket_or_404(folio: str) -> Ticket:
    return queries.ticket_by_folio(db.session, folio) or abort(404)


def uploaded_files(uploads: Any) -> list[services.IncomingFile]:
    """The files of a composer's file field (empty inputs left out)."""
    return [
        services.IncomingFile(
            f.filename or "adjunto", f.mimetype or "application/octet-stream", f.read()
        )
        for f in uploads or []
        if f and f.filename
    ]


def render_ticket(
    ticket: Ticket,
    *,
    note_form: NoteForm | None = None,
    status_form: StatusForm | None = None,
    reply_form: EmailReplyForm | None = None,
    whatsapp_form: WhatsAppReplyForm | None = None,
    mode: str = "reply",
    arrived: dict[str, Any] | None = None,
) -> str:
    """The ticket page; a form given here keeps what the agent typed and its errors. The
    others start empty (``formdata=None``): a refused WhatsApp reply's text must not
    appear in the note composer too. ``arrived``: a reply stopped because the debtor wrote
    meanwhile (which composer, the message id the page had shown, the status asked)."""
    if reply_form is None:
        cc = ", ".join(p.email for p in ticket.participants if p.email)
        reply_form = EmailReplyForm(formdata=None, cc=cc)
    return render_template(
        "inbox/ticket_show.html",
        ticket=ticket,
        note_form=note_form or NoteForm(formdata=None),
        status_form=status_form
        or StatusForm(formdata=None, status=ticket.status, current=ticket.status),
        reply_form=reply_form,
        whatsapp_form=whatsapp_form or WhatsAppReplyForm(formdata=None),
        composer_mode=mode,
        arrived=arrived,
        **ticket_context(ticket),
    )


def _show_with_errors(
    ticket: Ticket, *, note_form: NoteForm | None = None, status_form: StatusForm | None = None
) -> tuple[str, int]:
    mode = "note" if note_form is not None else "reply"
    return render_ticket(ticket, note_form=note_form, status_form=status_form, mode=mode), 422
