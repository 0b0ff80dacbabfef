"""Who else has a ticket open, live: the ticket page's script (``static/js/presence.js``)
posts a heartbeat every few seconds and gets back the other staff on the page (typing a
reply or not) and the newest message from the debtor, so the page can say one arrived.

Short polling rather than a held-open stream: it works the same behind gunicorn's sync
workers. Each beat is one small query and one Redis round trip (``helpdesk.presence``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.routes import Routes
from helpdesk.extensions import db
from helpdesk.presence.store import PresenceUnavailable, Viewer, presence_store
from helpdesk.tickets.queries import inbound_watermark

routes = Routes()
log = logging.getLogger(__name__)


@routes.post("/tickets/<folio>/presence")
def presence_beat(folio: str) -> Any:
    """JSON in: ``{"typing": true|false}`` (the CSRF token in ``X-CSRFToken``). Out: the
    others on the page, each with the sentence to show, and the newest inbound id."""
    ticket_id, newest = inbound_watermark(db.session, folio) or abort(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("typing", False), bool):
        return jsonify(error=_('Send JSON such as {"typing": false}.')), 400
    try:
        others = presence_store(current_app).beat(
            ticket_id, current_user.id, current_user.name, typing=body.get("typing", False)
        )
    except PresenceUnavailable as error:
        # Presence is a hint: without it the page still learns of new messages.
        log.warning("presence store unavailable: %s", error)
        others = []
    return jsonify(
        others=[{"name": v.name, "typing": v.typing, "text": _sentence(v)} for v in others],
        newest_inbound_id=newest,
    )


@routes.post("/tickets/<folio>/presence/leave")
def presence_leave(folio: str) -> Any:
    """The page was closed (``navigator.sendBeacon``, a form post carrying the token)."""
    ticket_id, _newest = inbound_watermark(db.session, folio) or abort(404)
    try:
        presence_store(current_app).leave(ticket_id, current_user.id)
    except PresenceUnavailable as error:
        log.warning("presence store unavailable: %s", error)
    return "", 204


def _sentence(viewer: Viewer) -> str:
    if viewer.typing:
        return _("%(name)s is typing a reply…", name=viewer.name)
    return _("%(name)s is also viewing", name=viewer.name)
