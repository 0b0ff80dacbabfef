"""A generated document sent as a download: never shown inline, never cached."""

from __future__ import annotations

from typing import Any

from flask import current_app

from helpdesk.attachments import storage


def pdf_download(data: bytes, filename: str) -> Any:
    response = current_app.response_class(data, mimetype="application/pdf")
    safe = storage.safe_filename(filename, "documento.pdf")
    response.headers.set("Content-Disposition", "attachment", filename=safe)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
