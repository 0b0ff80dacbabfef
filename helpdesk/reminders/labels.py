"""Reminders in words: steps, statuses, reasons and their audit events."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from helpdesk.audit.models import AuditEvent
from helpdesk.tickets.vocabulary import label

STATUSES = {
    "sent": _l("Sent"),
    "deferred": _l("Deferred"),
    "skipped": _l("Skipped"),
    "failed": _l("Failed"),
}

REASONS = {
    "hold": _l("the account is on hold"),
    "opt_out": _l("the debtor opted out"),
    "no_consent": _l("the debtor has not authorised this channel"),
    "no_address": _l("no address for this channel"),
    "bounced": _l("the email address bounced"),
    "contact_window": _l("outside the allowed contact hours"),
    "frequency_cap": _l("contact limit reached"),
    "retry": _l("temporary failure, will retry"),
    "superseded": _l("a later reminder replaced it"),
    "not_configured": _l("the channel is not configured"),
}


def step_label(offset_days: int, channel: str) -> str:
    """``3 days before the due date · WhatsApp``."""
    days = abs(offset_days)
    if offset_days < 0:
        when = ngettext(
            "%(num)d day before the due date", "%(num)d days before the due date", days
        )
    elif offset_days == 0:
        when = _("On the due date")
    else:
        when = ngettext("%(num)d day after the due date", "%(num)d days after the due date", days)
    return f"{when} · {label(channel)}"


def status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return str(REASONS.get(reason, reason))


def reminder_label(event: AuditEvent) -> str:
    after = event.after or {}
    step = after.get("step", "")
    reason = reason_label(after.get("reason"))
    status = event.action.removeprefix("reminder.")
    if status == "sent":
        return _("Reminder %(step)s sent", step=step)
    if status == "deferred":
        return _("Reminder %(step)s deferred: %(reason)s", step=step, reason=reason)
    if status == "failed":
        return _("Reminder %(step)s failed: %(reason)s", step=step, reason=reason)
    return _("Reminder %(step)s skipped: %(reason)s", step=step, reason=reason)
