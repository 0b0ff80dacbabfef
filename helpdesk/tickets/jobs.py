"""The tickets' jobs: where the app's settings are read and handed to ``delivery``."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.tickets.delivery import sweep

log = logging.getLogger("helpdesk.tickets.delivery")  # where the sweep has always logged


def sweep_job() -> dict[str, Any]:
    """The cron entry ``delivery.sweep`` (run as ``tickets.delivery.sweep_job``)."""
    report = sweep(db.session, locale=current_app.config["DEFAULT_LOCALE"], now=clock.now())
    db.session.commit()
    if report.requeued or report.interrupted or report.gave_up:
        log.warning(
            "delivery sweep: %d requeued, %d interrupted, %d gave up",
            len(report.requeued),
            len(report.interrupted),
            len(report.gave_up),
        )
    return report.as_dict()
