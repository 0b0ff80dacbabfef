"""Administration of the email channel: mailboxes and the quarantine."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.mail_forms import MailboxForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.channels.email import imap, mailboxes
from helpdesk.channels.email import queries as mail_queries
from helpdesk.channels.email.ingest import retry_quarantined
from helpdesk.channels.email.models import Mailbox, raw_bytes
from helpdesk.channels.email.poll import poll_one
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.extensions import db
from helpdesk.jobs import enqueue
from helpdesk.queues import queries as queue_queries

MAILBOX_FIELDS = (
    "name",
    "email_address",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
)
OPTIONAL_FIELDS = (
    "password",
    "password_env",
    "processed_folder",
    "smtp_password",
    "smtp_password_env",
)

routes = Routes()


@routes.route("/mailboxes", methods=["GET", "POST"])
def mailbox_list() -> Any:
    form = MailboxForm()
    form.queue.choices = [("", "—")] + [
        (str(q.id), q.name) for q in queue_queries.queues_by_name(db.session)
    ]
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in MAILBOX_FIELDS}
        values.update({name: getattr(form, name).data or None for name in OPTIONAL_FIELDS})
        queue = queue_queries.queue_by_id(db.session, int(form.queue.data or 0))
        try:
            mailboxes.add_mailbox(
                db.session,
                queue=queue,
                secret_key=current_app.config["SECRET_KEY"],
                actor=Actor.for_user(current_user),
                now=clock.now(),
                **values,
            )
        except mailboxes.MailboxError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Mailbox added. Test the connection before relying on it."), "success")
            return redirect(url_for("admin.mailbox_list"))
    return render_template(
        "admin/mailbox_list.html",
        form=form,
        action_form=EmptyForm(),
        mailboxes=mailboxes.all_mailboxes(db.session),
    )


@routes.route("/mailboxes/<int:mailbox_id>/test", methods=["POST"])
def mailbox_test(mailbox_id: int) -> Any:
    mailbox = _mailbox_or_404(mailbox_id)
    try:
        status = imap.check_mailbox(mailbox, secret_key=current_app.config["SECRET_KEY"])
    except Exception as error:  # whatever the server says goes back to the admin
        flash(
            _("Could not use %(name)s: %(error)s", name=mailbox.name, error=imap.describe(error)),
            "error",
        )
    else:
        flash(
            _(
                "%(name)s works: %(messages)d messages in the folder.",
                name=mailbox.name,
                messages=status.messages,
            ),
            "success",
        )
    return redirect(url_for("admin.mailbox_list"))


@routes.route("/mailboxes/<int:mailbox_id>/poll", methods=["POST"])
def mailbox_poll(mailbox_id: int) -> Any:
    mailbox = _mailbox_or_404(mailbox_id)
    enqueue(poll_one, mailbox.id, queue="mail")
    flash(_("Checking %(name)s for new mail.", name=mailbox.name), "info")
    return redirect(url_for("admin.mailbox_list"))


@routes.route("/quarantine")
def quarantine_list() -> Any:
    rows = mail_queries.quarantined(db.session, limit=500)
    return render_template("admin/quarantine_list.html", rows=rows, action_form=EmptyForm())


@routes.route("/quarantine/<int:row_id>/retry", methods=["POST"])
def quarantine_retry(row_id: int) -> Any:
    row = mail_queries.inbound_email_by_id(db.session, row_id) or abort(404)
    if row.action != "quarantined" or not EmptyForm().validate_on_submit():
        abort(400)
    settings = EmailSettings.from_config(current_app.config)
    result = retry_quarantined(db.session, row, settings=settings, now=clock.now())
    db.session.commit()
    if result.action == "quarantined":
        flash(_("Still quarantined: %(reason)s", reason=result.reason), "error")
    else:
        flash(_("Processed: %(folio)s", folio=result.folio or "—"), "success")
    return redirect(url_for("admin.quarantine_list"))


@routes.route("/quarantine/<int:row_id>/raw")
def quarantine_raw(row_id: int) -> Any:
    row = mail_queries.inbound_email_by_id(db.session, row_id) or abort(404)
    raw = raw_bytes(row, storage.root_for(current_app.config["DATA_DIR"]))
    response = current_app.response_class(raw, mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=f"mensaje-{row.id}.eml")
    return response


def _mailbox_or_404(mailbox_id: int) -> Mailbox:
    mailbox = mail_queries.mailbox_by_id(db.session, mailbox_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return mailbox
