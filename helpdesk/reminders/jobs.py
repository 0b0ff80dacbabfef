"""Periodic reminder work (``CRON_TABLE`` entry ``dunning.run_due``)."""

from __future__ import annotations

import logging

from flask import current_app

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.reminders.dispatcher import run_due

log = logging.getLogger(__name__)


def run_due_job() -> dict[str, int]:
    """Send the due reminders. Safe to run twice or in two workers at once: each reminder
    is decided under its account's row lock and can be recorded as sent only once."""
    report = run_due(db.session, config=current_app.config, now=clock.now())
    counts = {name: len(items) for name, items in report.as_json().items()}
    log.info("reminders: %(sent)d sent, %(deferred)d deferred, %(skipped)d skipped", counts)
    return counts
