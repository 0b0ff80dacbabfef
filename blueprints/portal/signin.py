"""Sign-in with a one-time code sent by email: no password, no account enumeration."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from blueprints.portal.forms import (
    AccountSignInForm,
    ChooseForm,
    CodeRequestForm,
    CodeVerifyForm,
    SignOutForm,
)
from blueprints.portal.guard import CONTACT_KEY, bp, pending, set_pending, sign_in, sign_out
from helpdesk import clock
from helpdesk.contacts.models import Contact
from helpdesk.contacts.services import normalise_identity
from helpdesk.extensions import db, limiter
from helpdesk.logs import mask_address
from helpdesk.portal import facts
from helpdesk.portal import services as portal_services
from helpdesk.portal import whatsapp as whatsapp_codes
from helpdesk.portal.destinations import (
    EMAIL,
    WHATSAPP,
    Destination,
    destinations_of,
    mask_email,
    parse_phone,
)
from helpdesk.portal.mail import queue_code

log = logging.getLogger(__name__)


def _address_limit() -> str:
    return current_app.config["PORTAL_CODE_RATE_LIMIT"]


def _ip_limit() -> str:
    return current_app.config["PORTAL_CODE_IP_RATE_LIMIT"]


def _verify_limit() -> str:
    return current_app.config["PORTAL_VERIFY_RATE_LIMIT"]


def _address_key() -> str:
    # Per address: nobody can flood one debtor's mailbox from many addresses.
    return "portal-code|" + _typed_key(request.form.get("email") or "")


def _destination_key() -> str:
    # The same budget as typing that address or number on the first page.
    chosen = _chosen_destination()
    return "portal-code|" + (chosen[1].value if chosen else "none")


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(_ip_limit, scope="portal-code-ip", methods=["POST"])
@limiter.shared_limit(
    _address_limit, scope="portal-code-to", key_func=_address_key, methods=["POST"]
)
def login() -> Any:
    if session.get(CONTACT_KEY):
        return redirect(url_for("portal.home"))
    form = CodeRequestForm()
    if form.validate_on_submit():
        typed = _typed_key(form.email.data)
        contact = portal_services.contact_for(db.session, typed)
        choices = _destinations(contact, typed)
        if contact is None:
            log.info("portal: code asked for unknown %s", mask_address(typed))
        # A typed email is shown back as typed; for a typed phone the code page names
        # no destination, known number or not (it may have gone to an email on file).
        set_pending(contact.id if contact else None, typed if "@" in typed else "")
        if contact is not None and len(choices) > 1:
            return redirect(url_for("portal.code_choose"))
        if contact is not None and choices:
            send_code_to(contact, choices[0])
        # The same words whether or not the address is known.
        if "@" in typed:
            flash(_("If that address is registered, we have sent it a code."), "info")
        else:
            flash(_("If that number is registered, we have sent a code to a channel on file."),
                  "info")
        return redirect(url_for("portal.code_verify"))
    return render_template("portal/login.html", form=form)


def _reference_key() -> str:
    # Per account or folio: guessing the four digits of one debtor is slow from any IP.
    return "portal-account|" + (request.form.get("reference") or "").strip().upper()


@bp.route("/login/account", methods=["GET", "POST"])
@limiter.shared_limit(_ip_limit, scope="portal-code-ip", methods=["POST"])
@limiter.limit(_address_limit, key_func=_reference_key, methods=["POST"])
def login_account() -> Any:
    """Account number (or folio) plus one fact. A match goes on to choose where the code
    goes, among the channels on file; anything else gets the code page with the same
    words, whether the account is unknown or the fact wrong."""
    if session.get(CONTACT_KEY):
        return redirect(url_for("portal.home"))
    configured = current_app.config["PORTAL_IDENTIFYING_FACTS"]
    form = AccountSignInForm()
    if form.validate_on_submit():
        contact = facts.contact_by_account_and_fact(
            db.session, form.reference.data, form.given, facts=configured, kind=form.chosen
        )
        if contact is not None and _destinations(contact, ""):
            set_pending(contact.id, "")
            return redirect(url_for("portal.code_choose"))
        log.info("portal: no match for an account and fact")
        set_pending(None, "")
        flash(_("If the details match an account, we have sent a code to a channel on file."),
              "info")
        return redirect(url_for("portal.code_verify"))
    return render_template(
        "portal/login_account.html", form=form, choose=facts.asks_birth_date(configured)
    )


@bp.route("/choose", methods=["GET", "POST"])
@limiter.shared_limit(_ip_limit, scope="portal-code-ip", methods=["POST"])
@limiter.shared_limit(
    _address_limit, scope="portal-code-to", key_func=_destination_key, methods=["POST"]
)
def code_choose() -> Any:
    """Where the code goes, among the channels on file, shown masked and chosen by their
    position in the list: the page neither shows nor takes an address."""
    asked = pending()
    contact = asked[0] if asked else None
    if asked is None or contact is None:
        return redirect(url_for("portal.login"))
    choices = _destinations(contact, asked[1])
    form = ChooseForm()
    form.destination.choices = [(str(n), d.shown) for n, d in enumerate(choices)]
    if request.method == "GET":
        form.destination.data = "0"  # the address they typed, or the first on file
    if form.validate_on_submit():
        chosen = _chosen_destination()
        if chosen is not None:
            send_code_to(contact, chosen[1])
            set_pending(contact.id, chosen[1].shown)  # the code page names it
            return redirect(url_for("portal.code_verify"))
    return render_template(
        "portal/code_choose.html", form=form, kinds=[d.channel for d in choices]
    )


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def code_verify() -> Any:
    asked = pending()
    if asked is None:
        return redirect(url_for("portal.login"))
    asked_for, address = asked
    form = CodeVerifyForm()
    if form.validate_on_submit():
        try:
            contact = portal_services.verify_contact_code(
                db.session, asked_for, form.code.data,
                secret=current_app.config["SECRET_KEY"], now=clock.now(),
            )
        except portal_services.CodeError as error:
            db.session.commit()  # the wrong try counts
            form.code.errors.append(_code_error(error.reason))
        else:
            db.session.commit()
            sign_in(contact)
            return redirect(url_for("portal.home"))
    # A masked destination was chosen among those on file (or offered by an old link):
    # the debtor already knows it exists, the page may say the code went there.
    return render_template(
        "portal/code_verify.html", form=form, address=address,
        masked=asked_for is not None and "*" in address,
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if SignOutForm().validate_on_submit():
        sign_out()
        flash(_("You have signed out."), "info")
        return redirect(url_for("portal.login"))
    return redirect(url_for("portal.home"))


def _typed_key(text: str) -> str:
    """What was typed, as stored: a lower-case email, or a phone in E.164 when it is one."""
    phone = parse_phone(text, current_app.config["DEFAULT_PHONE_REGION"])
    return phone or normalise_identity("email", text)


def _destinations(contact: Contact | None, typed: str) -> list[Destination]:
    """Where a code may go; the email the debtor typed comes first (it is theirs)."""
    if contact is None:
        return []
    found = destinations_of(contact, whatsapp=whatsapp_codes.ready(db.session, current_app.config))
    if "@" in typed:
        found.sort(key=lambda d: d.value != typed)
        if typed not in {d.value for d in found}:
            found.insert(0, Destination(EMAIL, typed, mask_email(typed)))
    return found


def _chosen_destination() -> tuple[Contact, Destination] | None:
    asked = pending()
    if asked is None or asked[0] is None:
        return None
    choices = _destinations(asked[0], asked[1])
    index = request.form.get("destination", "")
    if not index.isdigit() or int(index) >= len(choices):
        return None
    return asked[0], choices[int(index)]


def send_email_code(contact: Contact, address: str) -> None:
    """A fresh code to one of the contact's addresses (the latest code is the one that works)."""
    send_code_to(contact, Destination(EMAIL, address, mask_email(address)))


def send_code_to(contact: Contact, destination: Destination) -> None:
    """A fresh code (voiding the earlier ones) by email or WhatsApp, from a job."""
    now = clock.now()
    secret = current_app.config["SECRET_KEY"]
    code = portal_services.issue_code(db.session, contact, secret=secret, now=now)
    db.session.commit()  # the code exists before the message that carries it
    if destination.channel == WHATSAPP:
        whatsapp_codes.queue_whatsapp_code(
            contact, destination.value, code, secret_key=secret, now=now
        )
    else:
        queue_code(contact, destination.value, code, secret_key=secret, now=now)


def _code_error(reason: str) -> str:
    if reason == "expired":
        return _("This code has expired. Ask for a new one.")
    if reason == "void":
        return _("Too many wrong attempts: this code no longer works. Ask for a new one.")
    return _("That code is not right. Check the last email we sent you.")
