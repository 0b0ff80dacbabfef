"""Files a debtor attaches in the portal: counted, size-checked, safely named."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from helpdesk.attachments import storage
from helpdesk.intake.inbound import InboundFile


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
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise UploadError(
                _(
                    "%(name)s is larger than %(size)s MB.",
                    name=storage.safe_filename(upload.filename),
                    size=limit // (1024 * 1024),
                )
            )
        files.append(
            InboundFile(
                filename=storage.safe_filename(upload.filename),
                # Never trust the browser's type for serving; downloads are octet-stream.
                content_type=(upload.mimetype or "application/octet-stream")[:120],
                data=data,
            )
        )
    return tuple(files)
