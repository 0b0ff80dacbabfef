"""Files a debtor attaches in the portal (and the web form): counted, size-checked,
their type read from the bytes and images stripped of metadata
(``helpdesk.attachments.checks``), safely named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from helpdesk.attachments import checks, storage
from helpdesk.intake.inbound import InboundFile

# Room for the form's text fields next to the largest allowed set of files.
_FORM_ROOM = 1024 * 1024


class UploadError(ValueError):
    pass


def inbound_files(uploads: list[FileStorage]) -> tuple[InboundFile, ...]:
    """The uploads as intake files; raises ``UploadError`` with a message for the form."""
    present = [u for u in uploads if u and u.filename]
    config = current_app.config
    limit, most = config["PORTAL_MAX_FILE_BYTES"], config["PORTAL_MAX_FILES"]
    if len(present) > most:
        raise UploadError(_("Attach at most %(count)s files.", count=most))
    files = []
    for upload in present:
        try:
            checked = checks.check(
                storage.safe_filename(upload.filename), upload.read(limit + 1), max_bytes=limit
            )
        except checks.FileRefused as refused:
            raise UploadError(str(refused)) from None
        files.append(
            InboundFile(
                filename=checked.filename,
                content_type=checked.content_type,
                data=checked.data,
            )
        )
    return tuple(files)


def body_limit(config: Mapping[str, Any]) -> int:
    """The largest request a form with attachments accepts: every file at its cap plus the
    text, so one oversized photo is refused by ``inbound_files`` with its name and the
    debtor's text kept, instead of a bare 413 before the form is read."""
    most = config["PORTAL_MAX_FILES"] * config["PORTAL_MAX_FILE_BYTES"] + _FORM_ROOM
    return max(config["MAX_CONTENT_LENGTH"] or 0, most)
