"""Audit events in words, for the ticket timeline.

It reads every package's labels (tickets, WhatsApp, SLA, reminders), so it lives above them,
not in ``audit``: the audit trail itself depends on nobody.
"""

from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.audit.models import AuditEvent
from helpdesk.channels.whatsapp.labels import whatsapp_label
from helpdesk.reminders.labels import reminder_label
from helpdesk.sla.labels import ACTIONS as sla_actions
from helpdesk.sla.labels import sla_label
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
    if action == "message.acuse_attached":
        return _(
            "Acknowledgement of receipt (PDF) attached: %(name)s",
            name=(event.after or {}).get("filename", ""),
        )
    if action == "message.acuse_failed":
        return _(
            "The acknowledgement of receipt (PDF) could not be made; the acknowledgement "
            "went without it: %(reason)s",
            reason=(event.after or {}).get("reason", ""),
        )
    if action == "message.sent":
        return _("Message sent")
    if action == "message.delivery_failed":
        return _("Message not delivered: %(reason)s", reason=(event.after or {}).get("reason", ""))
    if action == "message.delivery_status":
        return _("Delivery: %(status)s", status=label((event.after or {}).get("delivery", "")))
    if action.startswith("whatsapp."):
        return whatsapp_label(event)
    if action.startswith("reminder."):
        return reminder_label(event)
    if action.startswith(sla_actions):
        return sla_label(event)
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
    return _account_label(event, who) or f"{action} ({who})"


def _account_label(event: AuditEvent, who: str) -> str | None:
    """Events of collection accounts and their holds."""
    after = event.after or {}
    account = after.get("account", "")
    texts = {
        "ticket.account_linked": lambda: _(
            "%(who)s linked account %(account)s", who=who, account=account
        ),
        "ticket.account_unlinked": lambda: _(
            "%(who)s unlinked account %(account)s", who=who, account=account
        ),
        "hold.started": lambda: _("Reminders stopped for account %(account)s", account=account),
        "hold.reopened": lambda: _(
            "Reminders stopped again for account %(account)s", account=account
        ),
        "hold.ended": lambda: _(
            "Hold on account %(account)s ended (%(outcome)s)",
            account=account,
            outcome=after.get("outcome", ""),
        ),
        "ticket.outcome_recorded": lambda: _(
            "%(who)s recorded the outcome: %(outcome)s", who=who, outcome=after.get("outcome", "")
        ),
        "account.flagged": lambda: _("Account flagged: %(flag)s", flag=after.get("flag", "")),
        "account.balance_adjusted": lambda: _(
            "Balance adjusted to %(balance)s", balance=after.get("balance", "")
        ),
        "account.closed": lambda: _("Account closed"),
        "account.created": lambda: _("Account created by %(who)s", who=who),
        "account.updated": lambda: _("Account updated by %(who)s", who=who),
        "contact.opted_out": lambda: _(
            "The debtor opted out of %(channel)s", channel=after.get("channel", "")
        ),
        "contact.consent_granted": lambda: _(
            "The debtor authorised reminders by %(channels)s",
            channels=", ".join(after.get("channels", [])),
        ),
    }
    text = texts.get(event.action)
    return text() if text else None
