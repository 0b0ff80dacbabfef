"""SLA and routing audit events in words, for the ticket timeline."""

from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.audit.models import AuditEvent
from helpdesk.sla.notifications import target_label

ACTIONS = ("sla.", "ticket.routed", "ticket.tagged")


def sla_label(event: AuditEvent) -> str:
    after = event.after or {}
    action = event.action
    if action == "sla.deadlines_set":
        if not after.get("policy"):
            return _("Deadlines set")
        return _("Deadlines set by the policy %(policy)s", policy=after["policy"])
    if action == "sla.deadlines_changed":
        if after.get("policy"):
            return _("Deadlines recomputed (policy %(policy)s)", policy=after["policy"])
        return _("Deadlines removed: no SLA policy applies")
    if action == "sla.warning":
        return _("The %(target)s deadline is close", target=target_label(after.get("target", "")))
    if action == "sla.breached":
        return _("The %(target)s deadline passed", target=target_label(after.get("target", "")))
    if action == "ticket.routed":
        rules = ", ".join(after.get("rules") or [])
        if not rules:
            return _("Routed: no rule applied")
        return _("Routed by the rules: %(rules)s", rules=rules)
    if action == "ticket.tagged":
        return _("Tagged: %(tags)s", tags=", ".join(after.get("tags") or []))
    return f"{action} ({event.actor_label})"
