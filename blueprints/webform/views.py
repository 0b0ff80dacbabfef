"""The public web form, ``/contacto``: no sign-in, embeddable in the creditor's site.

Instead of a CAPTCHA: a honeypot field (filled: a silent "thank you", no ticket), a
minimum time between showing the form and sending it, and posts limited per IP and per
address. The confirmation page and the acuse download are reached with a signed token
for one ticket that lives a day; a guessed or altered token is a 404.

Only these pages may be framed, by the origins in ``WEBFORM_ALLOWED_ORIGINS``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from blueprints.downloads import pdf_download
from blueprints.forms import show_error
from blueprints.portal.uploads import UploadError, inbound_files
from blueprints.webform.forms import ContactForm
from helpdesk import clock
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.channels.webform import acuse as webform_acuse
from helpdesk.channels.webform import receive as webform
from helpdesk.channels.webform import tokens
from helpdesk.contacts.services import normalise_identity
from helpdesk.extensions import csrf, db, limiter
from helpdesk.intake.text import clean_text
from helpdesk.logs import mask_address
from helpdesk.pdf import PdfError
from helpdesk.receipts.queries import acuse_filename
from helpdesk.receipts.render import Words
from helpdesk.receipts.settings import ReceiptSettings

log = logging.getLogger(__name__)

bp = Blueprint("webform", __name__, url_prefix="/contacto")
# The form has its own anti-forgery token (``started``): see ``ContactForm``.
csrf.exempt(bp)

PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'"
)


@bp.after_request
def allow_framing(response: Any) -> Any:
    """These pages, and only these, may be shown in an iframe by the configured origins
    (``app._may_be_framed`` then leaves out ``X-Frame-Options: DENY``)."""
    ancestors = " ".join(("'self'", *current_app.config["WEBFORM_ALLOWED_ORIGINS"]))
    policy = response.headers.get("Content-Security-Policy") or PAGE_POLICY
    response.headers["Content-Security-Policy"] = f"{policy}; frame-ancestors {ancestors}"
    return response


@bp.errorhandler(429)
def too_many(error: Any) -> Any:
    return render_template("webform/limited.html"), 429


@bp.errorhandler(413)
def too_large(error: Any) -> Any:
    # Above MAX_CONTENT_LENGTH the form cannot even be read: say why, in the form's frame.
    return render_template("webform/too_large.html"), 413


def _ip_limit() -> str:
    return current_app.config["WEBFORM_IP_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["WEBFORM_ADDRESS_RATE_LIMIT"]


def _address() -> str:
    """The address a post is from: the email, else the phone's last ten digits (the same
    number written with or without its country code)."""
    email = (request.form.get("email") or "").strip()
    if email:
        return "email:" + normalise_identity("email", email)
    digits = "".join(ch for ch in request.form.get("phone") or "" if ch.isdigit())
    return f"phone:{digits[-10:]}" if digits else ""


def _address_key() -> str:
    # Per address: nobody floods one debtor (or their mailbox) from many IPs.
    return "webform|" + _address()


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(
    _address_limit, key_func=_address_key, methods=["POST"], exempt_when=lambda: not _address()
)
def contact() -> Any:
    form = _form()
    if request.method == "GET":
        return _render(form)
    if not _from_this_site():
        abort(400)
    if form.website.data:
        # A bot filled the field people never see: it gets the same "thank you", no ticket.
        log.info(
            "webform: honeypot filled from %s (%s)",
            request.remote_addr, mask_address(form.email.data or form.phone.data or ""),
        )  # fmt: skip
        return render_template("webform/sent.html", folio=None)
    shown_at = tokens.form_shown_at(current_app.config["SECRET_KEY"], form.started.data or "")
    if shown_at is None:  # missing or altered: not a form we showed
        problem = _("This form could not be checked. Review your message and send it again.")
        return _render(form, problem=problem), 400
    valid = form.validate()  # first: it clears the fields' errors
    if not (_addresses_valid(form) and valid):  # every field's error at once
        return _render(form), 400
    problem = _timing(shown_at)
    if problem:
        return _render(form, problem=problem), 400
    try:
        submitted = _submit(form)
    except UploadError as error:
        form.files.errors.append(str(error))
    except webform.WebformError as error:
        show_error(form, error)
    else:
        db.session.commit()  # the acknowledgement mail is queued for after this commit
        token = tokens.acuse_token(
            current_app.config["SECRET_KEY"], submitted.ticket, mailed=submitted.mailed,
            now=clock.now(),
        )  # fmt: skip
        return redirect(url_for("webform.sent", token=token), code=303)
    return _render(form), 400


@bp.get("/recibido/<token>")
def sent(token: str) -> Any:
    ticket, mailed = _ticket_or_404(token)
    acuse = webform_acuse.public_acuse(
        db.session, ticket, now=clock.now(),
        settings=ReceiptSettings.from_config(current_app.config),
    )  # fmt: skip
    deadline = None
    if acuse.deadline is not None:
        words = Words(str(get_locale() or "es")[:2], ZoneInfo(acuse.timezone))
        deadline = words.date(acuse.deadline, acuse.deadline_timezone)
    page = render_template(
        "webform/sent.html", folio=ticket.folio, deadline=deadline, mailed=mailed, token=token
    )
    # The page's links hold the token: kept out of shared caches and the back-forward cache.
    return page, 200, {"Cache-Control": "private, no-store"}


@bp.get("/acuse/<token>.pdf")
def acuse(token: str) -> Any:
    ticket, _mailed = _ticket_or_404(token)
    try:
        data = webform_acuse.public_acuse_pdf(
            db.session, ticket, now=clock.now(),
            settings=ReceiptSettings.from_config(current_app.config),
        )  # fmt: skip
    except PdfError:
        log.exception("acuse of ticket %s could not be made", ticket.id)
        abort(503)
    return pdf_download(data, acuse_filename(ticket.folio))


def _ticket_or_404(token: str) -> Any:
    found = tokens.ticket_for_token(
        db.session, current_app.config["SECRET_KEY"], token, now=clock.now()
    )
    return found or abort(404)


def _form() -> ContactForm:
    form = ContactForm()
    form.kind.choices = [("", _("Choose…"))] + [
        (kind.value, str(label)) for kind, label in webform.KINDS.items()
    ]
    return form


def _render(form: ContactForm, *, problem: str | None = None) -> str:
    # A fresh start every time the form is shown: the clock starts again.
    form.started.data = tokens.form_token(current_app.config["SECRET_KEY"], now=clock.now())
    form.website.data = ""
    return render_template("webform/form.html", form=form, problem=problem)


def _from_this_site() -> bool:
    """The Origin check that stands with the signed ``started`` token against forged
    posts. Inside an iframe the form's own origin is still ours; browsers that send no
    Origin are let through (the token still has to be right)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def _timing(shown_at: datetime) -> str | None:
    """Why a valid form cannot be taken as sent yet: open too long, or sent too quickly
    for a person (a bot fills a form in no time)."""
    elapsed = (clock.now() - shown_at).total_seconds()
    if elapsed > tokens.FORM_LIFETIME.total_seconds() or elapsed < 0:
        return _("This form was open for a long time. Review your message and send it again.")
    if elapsed < current_app.config["WEBFORM_MIN_SECONDS"]:
        return _("That was very quick. Please check your message and send it again.")
    return None


def _addresses_valid(form: ContactForm) -> bool:
    try:
        webform.check_address(
            (form.email.data or "").strip(), (form.phone.data or "").strip(),
            region=current_app.config["DEFAULT_PHONE_REGION"],
        )  # fmt: skip
    except webform.WebformError as error:
        show_error(form, error)
        return False
    return True


def _submit(form: ContactForm) -> webform.Submitted:
    config = current_app.config
    submission = webform.Submission(
        name=clean_text(form.name.data or "").strip(),
        email=(form.email.data or "").strip(),
        phone=(form.phone.data or "").strip(),
        account_number=clean_text(form.account.data or "").strip(),
        kind=form.kind.data,
        text=clean_text(form.text.data),
        files=inbound_files(request.files.getlist(form.files.name)),
        language=str(get_locale() or config["DEFAULT_LOCALE"])[:2],
    )
    return webform.submit(
        db.session,
        submission,
        settings=EmailSettings.from_config(config),
        region=config["DEFAULT_PHONE_REGION"],
        staff_locale=config["DEFAULT_LOCALE"],
        now=clock.now(),
    )
