"""Webhooks: public endpoints that authenticate by signature, not by sign-in.

No CSRF, no staff guard. Order for WhatsApp: signature over the raw body first (403 and
nothing stored), size (413), JSON (400); then store the raw payload, queue its
processing, and answer 200 at once — any other answer makes Meta send it again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from helpdesk import clock
from helpdesk.channels.whatsapp import numbers, signature, webhook
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.extensions import csrf, db
from helpdesk.intake.text import json_too_deep

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
csrf.exempt(bp)


@bp.route("/whatsapp", methods=["GET"])
def whatsapp_verify() -> Any:
    """Meta's subscription handshake: echo the challenge when the verify token matches."""
    args = request.args
    token = args.get("hub.verify_token", "")
    settings = WhatsAppSettings.from_config(current_app.config)
    if args.get("hub.mode") != "subscribe" or not numbers.matches_verify_token(
        db.session, token, settings
    ):
        abort(403)
    return args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/whatsapp", methods=["POST"])
def whatsapp_receive() -> Any:
    header = request.headers.get("X-Hub-Signature-256")
    if not header:
        abort(403)
    body = _raw_body(webhook.MAX_BODY)
    if not _signed(body, header):
        log.warning("whatsapp webhook with a bad signature from %s", request.remote_addr)
        abort(403)
    if json_too_deep(body):  # json.loads would recurse past Python's limit
        abort(400)
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        abort(400)
    webhook.store(db.session, body, now=clock.now())
    db.session.commit()
    return "OK", 200, {"Content-Type": "text/plain; charset=utf-8"}


def _signed(body: bytes, header: str) -> bool:
    settings = WhatsAppSettings.from_config(current_app.config)
    if signature.is_valid(body, header, numbers.app_secrets(db.session, settings)):
        return True
    return signature.is_valid(body, header, numbers.app_secrets(db.session, settings, fresh=True))


def _raw_body(limit: int) -> bytes:
    """The exact bytes Meta signed, refused past ``limit`` without reading them all."""
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    return body
