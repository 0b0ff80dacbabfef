"""The ``search`` queue's job: index what the change log holds."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from helpdesk.extensions import db
from helpdesk.search.services import SearchSettings, index_next_batch


def settings_from_app() -> SearchSettings:
    config = current_app.config
    return SearchSettings(
        data_dir=Path(config["DATA_DIR"]), phone_region=config.get("DEFAULT_PHONE_REGION")
    )


def index_changes_job() -> int:
    """Drain the change log, one committed batch at a time (a crash loses no batch)."""
    settings, total = settings_from_app(), 0
    while handled := index_next_batch(db.session, settings=settings):
        db.session.commit()
        total += handled
    return total
