"""What a signed-in debtor sees and does: their accounts, their cases, new cases, replies.

Every lookup goes through ``helpdesk.portal.queries`` scoped to the debtor: anything
else is a 404, never a 403 (that would confirm the folio exists)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.downloads import acuse_download
from blueprints.forms import show_error
from blueprints.portal import links, rights, signin  # noqa: F401  (register their routes)
from blueprints.portal.forms import CaseForm, ReplyForm, SignOutForm
from blueprints.portal.guard import bp, current_contact
from blueprints.portal.rating import rating_prompt  # (also registers the rating route)
from blueprints.portal.uploads import UploadError, body_limit, inbound_files
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.extensions import db
from helpdesk.holds import queries as hold_queries
from helpdesk.intake.services import IntakeSettings
from helpdesk.intake.text import clean_text
from helpdesk.portal import queries
from helpdesk.portal import services as portal_services
from helpdesk.portal.labels import debtor_status
from helpdesk.tickets.vocabulary import TicketType


@bp.context_processor
def portal_globals() -> dict[str, Any]:
    # formdata=None: the sign-out form is only drawn; reading the request here would fail
    # the page that explains a request too large to read.
    return {"signout_form": SignOutForm(formdata=None), "debtor_status": debtor_status}


@bp.url_value_preprocessor
def allow_attachments(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before anything reads the form (the CSRF check does): a case or reply may carry
    every file at its cap, so an oversized photo gets its own message, text kept."""
    if request.method == "POST" and endpoint in ("portal.ticket_new", "portal.ticket_reply"):
        request.max_content_length = body_limit(current_app.config)


@bp.get("/")
def home() -> Any:
    contact = current_contact()
    accounts = queries.accounts_of(db.session, contact.id)
    return render_template(
        "portal/home.html",
        contact=contact,
        accounts=accounts,
        hold_states=_hold_states(accounts),
        tickets=queries.tickets_of(db.session, contact.id),
    )


@bp.get("/accounts/<int:account_id>")
def account_show(account_id: int) -> Any:
    contact = current_contact()
    account = queries.account_of(db.session, contact.id, account_id) or abort(404)
    return render_template(
        "portal/account_show.html",
        account=account,
        hold=_hold_states([account])[account.id],
        tickets=queries.tickets_of(db.session, contact.id, account_id=account.id),
    )


@bp.route("/cases/new", methods=["GET", "POST"])
def ticket_new() -> Any:
    contact = current_contact()
    form = _case_form(contact.id)
    if form.validate_on_submit():
        try:
            ticket = portal_services.open_case(
                db.session,
                contact,
                kind=form.kind.data,
                account_id=int(form.account.data) if form.account.data else None,
                subject=clean_text(form.subject.data.strip()),
                text=clean_text(form.text.data),
                files=inbound_files(request.files.getlist(form.files.name)),
                settings=IntakeSettings.from_config(current_app.config),
                now=clock.now(),
            )
        except UploadError as error:
            form.files.errors.append(str(error))
        except portal_services.CaseError as error:
            show_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("portal.ticket_show", folio=ticket.folio, opened=1))
    return render_template("portal/ticket_new.html", form=form)


@bp.get("/cases/<folio>")
def ticket_show(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    return _render_ticket(ticket, ReplyForm())


@bp.post("/cases/<folio>/reply")
def ticket_reply(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            files = inbound_files(request.files.getlist(form.files.name))
        except UploadError as error:
            form.files.errors.append(str(error))
        else:
            ticket = portal_services.reply(
                db.session,
                current_contact(),
                ticket,
                text=clean_text(form.text.data),
                files=files,
                settings=IntakeSettings.from_config(current_app.config),
                now=clock.now(),
            )
            db.session.commit()
            return redirect(url_for("portal.ticket_show", folio=ticket.folio, sent=1))
    return _render_ticket(ticket, form), 400


@bp.get("/cases/<folio>/acuse.pdf")
def ticket_acuse(folio: str) -> Any:
    """The acuse de recibo of one of the debtor's own cases; anyone else's is a 404."""
    return acuse_download(_ticket_or_404(folio))


@bp.get("/files/<int:attachment_id>")
def attachment_download(attachment_id: int) -> Any:
    contact = current_contact()
    attachment = queries.attachment_of(db.session, contact.id, attachment_id) or abort(404)
    data = storage.read(attachment.sha256, storage.root_for(current_app.config["DATA_DIR"]))
    response = current_app.response_class(data, mimetype="application/octet-stream")
    response.headers.set(
        "Content-Disposition", "attachment", filename=storage.safe_filename(attachment.filename)
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _ticket_or_404(folio: str) -> Any:
    return queries.ticket_of(db.session, current_contact().id, clean_text(folio)) or abort(404)


def _render_ticket(ticket: Any, form: ReplyForm) -> str:
    return render_template(
        "portal/ticket_show.html",
        ticket=ticket,
        messages=queries.conversation(db.session, ticket),
        form=form,
        opened=request.args.get("opened") == "1",
        sent=request.args.get("sent") == "1",
        rating=rating_prompt(ticket),
        data_exports=rights.delivered_for(ticket),
    )


def _case_form(contact_id: int) -> CaseForm:
    form = CaseForm()
    # Data-rights requests have a page of their own (blueprints/portal/rights.py): each
    # right its own form, legal basis and deadline; the case form links there instead.
    form.kind.choices = [("", _("Choose…"))] + [
        (kind.value, str(label))
        for kind, label in portal_services.CASE_KINDS.items()
        if kind != TicketType.DATA_RIGHTS
    ]
    accounts = queries.accounts_of(db.session, contact_id)
    form.account.choices = [("", _("No account in particular"))] + [
        (str(a.id), f"{a.creditor} · {a.number}") for a in accounts
    ]
    if request.method == "GET" and request.args.get("account"):
        form.account.data = request.args["account"]
    return form


def _hold_states(accounts: list[Any]) -> dict[int, dict[str, Any]]:
    now = clock.now()
    return {a.id: hold_queries.hold_state(db.session, a, now=now) for a in accounts}
