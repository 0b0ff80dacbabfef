"""The data-export job: ids in, its own transactions, progress committed as it goes so
the ticket page can show it; safe to run twice (a finished export is left alone)."""

from __future__ import annotations

import logging

from flask import current_app

from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor, record
from helpdesk.datarights.export import build
from helpdesk.datarights.models import DataExport, ExportStatus
from helpdesk.extensions import db

log = logging.getLogger(__name__)


def build_export_job(export_id: int) -> bool:
    """Produce export ``export_id`` (the name RQ holds: ``helpdesk.datarights.jobs``)."""
    session = db.session
    export = session.get(DataExport, export_id)
    if export is None or export.status in (ExportStatus.DONE.value, ExportStatus.RUNNING.value):
        return False
    export.status = ExportStatus.RUNNING.value
    export.progress = 1
    session.commit()

    def progress(done: int, total: int) -> None:
        row = session.get(DataExport, export_id)
        assert row is not None
        row.messages_done, row.messages_total = done, total
        row.progress = 5 + (85 * done // total if total else 85)
        session.commit()

    root = storage.root_for(current_app.config["DATA_DIR"])
    try:
        built = build(session, export, root=root, now=clock.now(), progress=progress)
    except Exception as exc:  # the row says it failed; the log says why
        session.rollback()
        log.exception("data export %s failed", export_id)
        row = session.get(DataExport, export_id)
        if row is not None:
            row.status, row.error = ExportStatus.FAILED.value, type(exc).__name__
            row.finished_at = clock.now()
            session.commit()
        return False
    row = session.get(DataExport, export_id)
    assert row is not None
    row.json_sha256, row.json_size = built.json_sha256, built.json_size
    row.pdf_sha256, row.pdf_size = built.pdf_sha256, built.pdf_size
    row.status, row.progress, row.finished_at = ExportStatus.DONE.value, 100, clock.now()
    record(
        session,
        Actor.system("data-export"),
        "data_export.produced",
        row,
        now=clock.now(),
        ticket_id=row.ticket_id,
        after={"messages": built.messages},
    )
    session.commit()
    return True
