"""The portal blueprint and its guard: deny by default, a debtor is whoever the one-time
code signed in. The debtor's session key is not Flask-Login's: staff and debtors never
share an identity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, request, session, url_for

from helpdesk.contacts.models import Contact
from helpdesk.extensions import db

bp = Blueprint("portal", __name__, url_prefix="/portal")

CONTACT_KEY = "portal_contact_id"
PENDING_KEY = "portal_pending_address"
PUBLIC_ENDPOINTS = {"portal.login", "portal.code_verify"}


@bp.before_request
def require_debtor() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    contact_id = session.get(CONTACT_KEY)
    contact = db.session.get(Contact, contact_id) if isinstance(contact_id, int) else None
    if contact is None:
        session.pop(CONTACT_KEY, None)
        return redirect(url_for("portal.login"))
    g.portal_contact = contact
    return None


def current_contact() -> Contact:
    return g.portal_contact


def sign_in(contact: Contact) -> None:
    """Rotate: nothing planted in the session before the code was checked survives."""
    session.clear()
    session[CONTACT_KEY] = contact.id


def sign_out() -> None:
    session.pop(CONTACT_KEY, None)
    session.pop(PENDING_KEY, None)
