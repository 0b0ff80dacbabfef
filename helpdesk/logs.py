"""How the application logs: one JSON object a line in production, with the request id,
and personal data masked whatever the format.

Callers already mask what they log (``contacts.services.mask``, ``mask_address`` below);
the filter here is the net under them, so an address or a phone number
that slips into a message or an exception never reaches the log in clear.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Ten or more digits, possibly with +, spaces, dots or dashes between them: phones (ten
# digits in Mexico, Colombia and Argentina), account and card numbers. The last four stay,
# as on a receipt. Not part of a word, so folios (ACL-2026-000123) and dates stay whole.
LONG_NUMBER = re.compile(r"(?<![\w-])\+?\d(?:[ .-]?\d){9,}(?!\w)")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HANDLER_NAME = "aclara"


def mask_address(address: str) -> str:
    """An email address or phone number as a log line may show it: ``g***@correo.mx``,
    ``+52******5678``."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address[:3] + "*" * max(len(address) - 7, 0) + address[-4:]


def mask_personal_data(text: str) -> str:
    text = EMAIL.sub(r"\1***@\2", text)
    return LONG_NUMBER.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
        }
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _install_root_handler(*, production: bool) -> None:
    """Production: JSON at INFO. Elsewhere the messages Python would print anyway
    (warnings and errors, plain), masked."""
    root = logging.getLogger()
    if any(h.get_name() == HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(PersonalDataFilter())
    if production:
        handler.setFormatter(JsonFormatter())
        root.setLevel(logging.INFO)
    root.addHandler(handler)


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def configure_logging(app: Flask) -> None:
    """Root handler once per process; every request gets an id, echoed in the answer."""
    if not app.testing:
        _install_root_handler(production=app.config["ENV"] == "production")
        app.logger.removeHandler(default_handler)  # the root handler has it: no duplicates

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):  # type: ignore[no-untyped-def]
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response
