"""SLA jobs: the periodic sweep (cron entry ``sla.sweep``), clock recomputation and the
staff notices' emails.

All take ids or nothing, open their own transaction and are safe to run twice.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.jobs import run_ready_jobs
from helpdesk.sla.deadlines import refresh
from helpdesk.sla.notifications import email_notifications
from helpdesk.sla.sweep import sweep
from helpdesk.tickets.models import Ticket

log = logging.getLogger(__name__)


def sweep_job() -> dict[str, Any]:
    """Every minute: record warnings and breaches, escalate, commit."""
    report = sweep(db.session, now=clock.now())
    db.session.commit()
    run_ready_jobs(db.session)
    if report.warned or report.breached:
        log.info("sla sweep: %s", report.as_dict())
    return report.as_dict()


def recompute_deadlines(ticket_ids: list[int]) -> int:
    """Recompute the clocks of these tickets from their history (after an escalation)."""
    count = 0
    for ticket_id in ticket_ids:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is not None:
            refresh(db.session, ticket, now=clock.now())
            count += 1
    db.session.commit()
    return count


def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notice not emailed yet (run as ``sla.notifications.send_notification_emails``,
    the name queued RQ jobs hold). Returns how many were sent."""
    sent = email_notifications(db.session, notification_ids, config=current_app.config)
    db.session.commit()
    return sent
