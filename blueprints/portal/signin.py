"""Sign-in with a one-time code sent by email: no password, no account enumeration."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from blueprints.portal.forms import CodeRequestForm, CodeVerifyForm, SignOutForm
from blueprints.portal.guard import CONTACT_KEY, bp, pending, set_pending, sign_in, sign_out
from helpdesk import clock
from helpdesk.contacts.models import Contact
from helpdesk.contacts.services import normalise_identity
from helpdesk.extensions import db, limiter
from helpdesk.logs import mask_address
from helpdesk.portal import services as portal_services
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
    return "portal-code|" + normalise_identity("email", request.form.get("email") or "")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_address_limit, key_func=_address_key, methods=["POST"])
def login() -> Any:
    if session.get(CONTACT_KEY):
        return redirect(url_for("portal.home"))
    form = CodeRequestForm()
    if form.validate_on_submit():
        address = normalise_identity("email", form.email.data)
        contact = _send_code_if_known(address)
        set_pending(contact.id if contact else None, address)
        # The same words whether or not the address is known.
        flash(_("If that address is registered, we have sent it a code."), "info")
        return redirect(url_for("portal.code_verify"))
    return render_template("portal/login.html", form=form)


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
    return render_template("portal/code_verify.html", form=form, address=address)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if SignOutForm().validate_on_submit():
        sign_out()
        flash(_("You have signed out."), "info")
        return redirect(url_for("portal.login"))
    return redirect(url_for("portal.home"))


def _send_code_if_known(address: str) -> Contact | None:
    contact = portal_services.contact_for(db.session, address)
    if contact is None:
        log.info("portal: code asked for unknown %s", mask_address(address))
        return None
    send_email_code(contact, address)
    return contact


def send_email_code(contact: Contact, address: str) -> None:
    """A fresh code to one of the contact's addresses (the latest code is the one that works)."""
    now = clock.now()
    code = portal_services.issue_code(
        db.session, contact, secret=current_app.config["SECRET_KEY"], now=now
    )
    db.session.commit()  # the code exists before the mail that carries it
    queue_code(contact, address, code, secret_key=current_app.config["SECRET_KEY"], now=now)


def _code_error(reason: str) -> str:
    if reason == "expired":
        return _("This code has expired. Ask for a new one.")
    if reason == "void":
        return _("Too many wrong attempts: this code no longer works. Ask for a new one.")
    return _("That code is not right. Check the last email we sent you.")
