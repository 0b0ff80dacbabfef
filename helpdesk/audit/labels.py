"""Audit events in words, for the ticket timeline."""

from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.audit.models import AuditEvent
from helpdesk.tickets.vocabulary import label


def _change(event: AuditEvent, key: str) -> tuple[str, str]:
    before = (event.before or {}).get(key)
    after = (event.after or {}).get(key)
    return (label(before) if before else "—", label(after) if after else "—")


def event_label(event: AuditEvent) -> str:
    who = event.actor_label
    action = event.action
    if action == "ticket.opened":
        return _("Ticket opened by %(who)s", who=who)
    if action == "message.received":
        return _("Message received from the debtor")
    if action == "message.replied":
        return _("%(who)s replied", who=who)
    if action == "message.auto_reply_received":
        return _("Automatic reply received (not counted as the debtor's answer)")
    if action == "message.acknowledged":
        return _("Acknowledgement with the folio queued")
    if action == "message.sent":
        return _("Message sent")
    if action == "message.delivery_failed":
        return _("Message not delivered: %(reason)s", reason=(event.after or {}).get("reason", ""))
    if action == "message.noted":
        return _("%(who)s added an internal note", who=who)
    if action == "ticket.assigned":
        before, after = _change(event, "assignee")
        return _("%(who)s assigned it: %(before)s → %(after)s", who=who, before=before, after=after)
    for field, text in (
        ("status", _("Status")),
        ("priority", _("Priority")),
        ("type", _("Type")),
        ("queue", _("Queue")),
    ):
        if action == f"ticket.{field}_changed":
            before, after = _change(event, field)
            return _(
                "%(who)s changed %(field)s: %(before)s → %(after)s",
                who=who,
                field=text.lower(),
                before=before,
                after=after,
            )
    return f"{action} ({who})"
