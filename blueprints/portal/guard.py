"""The portal blueprint and its guard: deny by default, a debtor is whoever the one-time
code signed in. The debtor's session key is not Flask-Login's: staff and debtors never
share an identity."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, session, url_for

from helpdesk import clock
from helpdesk.contacts.models import Contact
from helpdesk.contacts.queries import contact_by_id
from helpdesk.extensions import db
from helpdesk.secrets import SecretError, seal, unseal
from helpdesk.signins import services as signins

bp = Blueprint("portal", __name__, url_prefix="/portal")

CONTACT_KEY = "portal_contact_id"
SIGN_IN_KEY = "portal_sign_in"
PENDING_KEY = "portal_pending_address"
FALLBACK_KEY = "portal_link_fallback"
PUBLIC_ENDPOINTS = {
    "portal.login",
    "portal.code_verify",
    "portal.code_choose",
    "portal.login_account",
    "portal.link_open",
    "portal.link_use",
    "portal.link_fallback",
}


@bp.before_request
def require_debtor() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    contact_id = session.get(CONTACT_KEY)
    contact = contact_by_id(db.session, contact_id) if isinstance(contact_id, int) else None
    token = session.get(SIGN_IN_KEY) or ""
    if contact is None or signins.find_active(db.session, token, contact_id=contact.id) is None:
        session.pop(CONTACT_KEY, None)
        session.pop(SIGN_IN_KEY, None)
        return redirect(url_for("portal.login"))
    g.portal_contact = contact
    return None


def current_contact() -> Contact:
    return g.portal_contact


def sign_in(contact: Contact) -> None:
    """Rotate: nothing planted in the session before the code was checked survives. The
    sign-in row is what signing out ends, so a copied cookie dies with it."""
    token = signins.start(
        db.session, contact_id=contact.id, user_agent=request.user_agent.string, now=clock.now()
    )
    db.session.commit()
    session.clear()
    session[CONTACT_KEY] = contact.id
    session[SIGN_IN_KEY] = token


def sign_out() -> None:
    token = session.pop(SIGN_IN_KEY, None)
    if token:
        signins.end(db.session, token, now=clock.now())
        db.session.commit()
    session.pop(CONTACT_KEY, None)
    session.pop(PENDING_KEY, None)


def set_pending(contact_id: int | None, shown: str) -> None:
    """Who the code page is for, sealed: the cookie (readable by whoever holds it) tells
    neither whether the address is registered nor an address the holder did not type."""
    value = json.dumps({"c": contact_id or 0, "shown": shown})
    session[PENDING_KEY] = seal(value, secret_key=current_app.config["SECRET_KEY"])


def pending() -> tuple[Contact | None, str] | None:
    """The contact a code was asked for (None when unknown) and how the page names the
    destination; None when no code was asked for in this session."""
    sealed = session.get(PENDING_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        value = json.loads(unseal(sealed, secret_key=current_app.config["SECRET_KEY"]))
    except (SecretError, ValueError):
        return None
    contact_id = value.get("c") or None
    contact = contact_by_id(db.session, contact_id) if isinstance(contact_id, int) else None
    return contact, str(value.get("shown", ""))
