"""Ticket statuses in the words a debtor understands (agents see the technical ones)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.tickets.vocabulary import Status

STATUS_FOR_DEBTOR = {
    Status.NEW: _l("Received"),
    Status.OPEN: _l("Being reviewed"),
    Status.PENDING: _l("Waiting for your answer"),
    Status.ON_HOLD: _l("Being reviewed"),
    Status.RESOLVED: _l("Resolved"),
    Status.CLOSED: _l("Closed"),
    Status.MERGED: _l("Joined to another case"),
}


def debtor_status(status: str) -> str:
    try:
        return str(STATUS_FOR_DEBTOR[Status(status)])
    except ValueError:
        return status
