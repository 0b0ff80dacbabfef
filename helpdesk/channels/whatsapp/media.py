"""Media of inbound messages: a job downloads each item into an attachment.

Two steps, the bearer token on both: ``GET /{version}/{media_id}`` gives a URL that
lives five minutes, then ``GET url``. An expired URL (404) is fetched again at once; the
sha256 Meta gave is checked; each type has its size limit. Temporary failures are tried
again (RQ backoff; inline, at once) up to ``MAX_ATTEMPTS``; the final failure is shown on
the message with its reason. The job takes the row id and is safe to run twice.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
from datetime import datetime
from pathlib import Path

from rq import Retry
from sqlalchemy.orm import Session

from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.channels.whatsapp.client import GraphError, WhatsAppClient
from helpdesk.channels.whatsapp.models import WhatsAppMedia, WhatsAppNumber
from helpdesk.channels.whatsapp.numbers import NumberError, client_for
from helpdesk.channels.whatsapp.parse import MediaRef
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.jobs import enqueue_after_commit
from helpdesk.tickets.models import Attachment, Message

log = logging.getLogger(__name__)
MB = 1024 * 1024
LIMITS = {"image": 5 * MB, "audio": 16 * MB, "video": 16 * MB, "document": 100 * MB}
LIMITS["sticker"] = 500 * 1024
MAX_ATTEMPTS = 4
MEDIA_RETRY = Retry(max=MAX_ATTEMPTS - 1, interval=[30, 120, 600])


class MediaFailure(Exception):
    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason, self.temporary = reason[:500], temporary


def add(
    session: Session, message: Message, number: WhatsAppNumber, ref: MediaRef, *, now: datetime
) -> WhatsAppMedia:
    row = WhatsAppMedia(
        message_id=message.id,
        number_id=number.id,
        media_id=ref.media_id[:255],
        kind=ref.kind,
        mime_type=ref.mime_type[:120],
        sha256=(ref.sha256 or "")[:128] or None,
        filename=(ref.filename or "")[:255] or None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    enqueue_after_commit(session, download_media_job, row.id, queue="intake", retry=MEDIA_RETRY)
    return row


def download_media_job(media_row_id: int) -> None:
    """The job's name queued RQ jobs hold; the job is ``channels.whatsapp.jobs``'s."""
    from helpdesk.channels.whatsapp import jobs

    jobs.download_media_job(media_row_id)


def attempt(
    session: Session, row: WhatsAppMedia, *, settings: WhatsAppSettings, now: datetime
) -> MediaFailure | None:
    """One try: download, check and store. None on success."""
    row.attempts += 1
    row.updated_at = now
    number = session.get(WhatsAppNumber, row.number_id) if row.number_id else None
    try:
        if number is None:
            raise MediaFailure("no_number", temporary=False)
        data, mime_type = fetch(client_for(number, settings), row)
    except NumberError:
        return MediaFailure("no_token", temporary=False)
    except MediaFailure as failure:
        return failure
    _store(session, row, data, mime_type, store=settings.intake.attachments, now=now)
    return None


def fetch(client: WhatsAppClient, row: WhatsAppMedia) -> tuple[bytes, str]:
    limit = LIMITS.get(row.kind, LIMITS["document"])
    for refetch in (False, True):
        try:
            info = client.media_info(row.media_id)
        except GraphError as error:
            raise _failure(error, expired="expired") from None
        if info.file_size is not None and info.file_size > limit:
            raise MediaFailure("too_large", temporary=False)
        try:
            data = client.download(info.url, max_bytes=limit)
        except GraphError as error:
            if error.http_status == 404 and not refetch:
                continue  # the URL lived its five minutes: ask for a new one
            raise _failure(error, expired="url_expired") from None
        if not _sha256_matches(data, row.sha256 or info.sha256):
            raise MediaFailure("sha256_mismatch", temporary=True)
        return data, info.mime_type or row.mime_type
    raise MediaFailure("url_expired", temporary=True)  # pragma: no cover (loop returns)


def _failure(error: GraphError, *, expired: str) -> MediaFailure:
    if error.title == "too_large":
        return MediaFailure("too_large", temporary=False)
    if error.http_status in (400, 404) and error.code in (None, 100):
        return MediaFailure(expired, temporary=False)
    return MediaFailure(error.describe(), temporary=error.is_temporary)


def _sha256_matches(data: bytes, expected: str | None) -> bool:
    """Meta's sha256 comes as hex in some payloads and base64 in others: accept both."""
    if not expected:
        return True
    digest = hashlib.sha256(data).digest()
    forms = {
        digest.hex(),
        base64.b64encode(digest).decode(),
        base64.urlsafe_b64encode(digest).decode(),
    }
    forms |= {f.rstrip("=") for f in forms}
    return expected.strip() in forms or expected.strip().lower() in forms


def _store(
    session: Session,
    row: WhatsAppMedia,
    data: bytes,
    mime_type: str,
    *,
    store: Path,
    now: datetime,
) -> None:
    attachment = Attachment(
        message_id=row.message_id,
        filename=storage.safe_filename(row.filename or _default_name(row, mime_type)),
        content_type=(mime_type or "application/octet-stream").split(";")[0][:120],
        size=len(data),
        sha256=storage.save(data, store),
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    row.status, row.error, row.attachment_id = "done", None, attachment.id
    _audit(session, row, "whatsapp.media_downloaded", now=now)


def fail(session: Session, row: WhatsAppMedia, reason: str, *, now: datetime) -> None:
    row.status, row.error, row.updated_at = "failed", reason[:500], now
    log.warning("whatsapp media %s of message %s failed: %s", row.id, row.message_id, reason)
    _audit(session, row, "whatsapp.media_failed", now=now)


def _audit(session: Session, row: WhatsAppMedia, action: str, *, now: datetime) -> None:
    message = session.get(Message, row.message_id)
    record(
        session,
        Actor.system("whatsapp"),
        action,
        row,
        now=now,
        ticket_id=message.ticket_id if message else None,
        after={"kind": row.kind, "attempts": row.attempts, "error": row.error},
    )


def _default_name(row: WhatsAppMedia, mime_type: str) -> str:
    extension = mimetypes.guess_extension((mime_type or "").split(";")[0].strip()) or ""
    return f"{row.kind}-{row.id}{extension}"
