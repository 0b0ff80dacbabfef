"""Audit events in words, for the ticket timeline.

It reads every package's labels (tickets, WhatsApp, SLA, reminders), so it lives above them,
not in ``audit``: the audit trail itself depends on nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _

from helpdesk.audit.models import AuditEvent
from helpdesk.channels.whatsapp.labels import whatsapp_label
from helpdesk.datarights.labels import event_text as data_rights_text
from helpdesk.holds.labels import outcome_label
from helpdesk.reminders.labels import reminder_label
from helpdesk.sla.labels import ACTIONS as sla_actions
from helpdesk.sla.labels import sla_label
from helpdesk.tickets.vocabulary import label


def _system_actors() -> dict[str, str]:
    """Who acts when no person does, as the subject of a sentence (lower case: the
    sentence's first letter is raised)."""
    return {
        "routing": _("routing"),
        "sla": _("the deadline sweep"),
        "accounts": _("the accounts link"),
        "delivery": _("delivery"),
        "cli": _("the command line"),
        "mail": _("the mail channel"),
        "import": _("the import"),
        "reminders": _("reminders"),
        "whatsapp": "WhatsApp",
        "defaults": _("the installation"),
        "demo": "Demo",
        "system": _("the system"),
    }


# Events that only repeat a message the conversation shows already (with its author,
# time and delivery badge): left out of the one timeline so nothing is said twice.
MESSAGE_ACTIONS = frozenset(
    {
        "message.received",
        "message.replied",
        "message.noted",
        "message.auto_reply_received",
        "message.sent",
        "message.delivery_status",
        "message.delivery_failed",
    }
)


def people_in(events: Iterable[AuditEvent]) -> set[str]:
    """The staff emails events name (assignees, and staff without a name when they
    acted), so the caller can look up the names people know them by."""
    found = set()
    for event in events:
        if event.actor_kind == "user" and "@" in event.actor_label:
            found.add(event.actor_label)
        for values in (event.before, event.after):
            value = (values or {}).get("assignee")
            if isinstance(value, str):
                found.add(value)
    return found


def _who(event: AuditEvent, people: Mapping[str, str]) -> str:
    if event.actor_kind == "system":
        label_ = event.actor_label
        if label_.startswith("intake:"):
            return _("intake")
        return _system_actors().get(label_, label_)
    return people.get(event.actor_label, event.actor_label)


def _change(event: AuditEvent, key: str) -> tuple[str | None, str | None]:
    before = (event.before or {}).get(key)
    after = (event.after or {}).get(key)
    return (label(before) if before else None, label(after) if after else None)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def event_label(event: AuditEvent, people: Mapping[str, str] | None = None) -> str:
    """One sentence for an audit event; ``people`` maps staff emails to their names
    (without it emails show as stored)."""
    return _sentence(_event_text(event, people or {}))


def _event_text(event: AuditEvent, people: Mapping[str, str]) -> str:
    who = _who(event, people)
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
    if action == "message.rating_requested":
        return _("Satisfaction survey sent to the debtor")
    if action == "message.rating_thanked":
        return _("Thanks for the rating sent to the debtor")
    if action == "ticket.rated":
        return _(
            "The debtor rated the attention: %(score)s of 5",
            score=(event.after or {}).get("score", ""),
        )
    if action == "ticket.rating_comment_changed":
        return _("The debtor changed the comment of their rating")
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
    if action.startswith(("data_rights.", "data_export.")):
        return data_rights_text(action, event.after, who) or action
    if action == "message.noted":
        return _("%(who)s added an internal note", who=who)
    if action == "ticket.assigned":
        return _assigned(event, who, people)
    if action == "ticket.queue_changed":
        after = (event.after or {}).get("queue")
        if after:
            return _("%(who)s moved the ticket to the %(queue)s queue", who=who, queue=after)
        return _("%(who)s took the ticket out of its queue", who=who)
    tagged = _tag_or_merge(event, who)
    if tagged:
        return tagged
    changed = _field_change(event, who)
    if changed:
        return changed
    return _account_label(event, who) or f"{action} ({who})"


def _tag_or_merge(event: AuditEvent, who: str) -> str | None:
    after, before = event.after or {}, event.before or {}
    if event.action == "ticket.untagged":
        return _(
            "%(who)s removed the tag %(tags)s", who=who, tags=", ".join(before.get("tags", []))
        )
    if event.action == "ticket.merged":
        return _("%(who)s merged this ticket into %(folio)s", who=who, folio=after.get("into", ""))
    if event.action == "ticket.merged_in":
        return _("%(who)s merged %(folio)s into this ticket", who=who, folio=after.get("from", ""))
    return None


def _assigned(event: AuditEvent, who: str, people: Mapping[str, str]) -> str:
    before = (event.before or {}).get("assignee")
    after = (event.after or {}).get("assignee")
    if not after:
        return _("%(who)s left the ticket unassigned", who=who)
    name = people.get(after, after)
    if before:
        return _(
            "%(who)s reassigned the ticket from %(before)s to %(after)s",
            who=who,
            before=people.get(before, before),
            after=name,
        )
    return _("%(who)s assigned the ticket to %(after)s", who=who, after=name)


def _field_change(event: AuditEvent, who: str) -> str | None:
    """Status, priority and type changes: "Lucía changed the status from New to Open"."""
    texts = {
        "ticket.status_changed": (
            lambda b, a: _(
                "%(who)s changed the status from %(before)s to %(after)s",
                who=who,
                before=b,
                after=a,
            ),
            lambda a: _("%(who)s set the status to %(after)s", who=who, after=a),
        ),
        "ticket.priority_changed": (
            lambda b, a: _(
                "%(who)s changed the priority from %(before)s to %(after)s",
                who=who,
                before=b,
                after=a,
            ),
            lambda a: _("%(who)s set the priority to %(after)s", who=who, after=a),
        ),
        "ticket.type_changed": (
            lambda b, a: _(
                "%(who)s changed the type from %(before)s to %(after)s", who=who, before=b, after=a
            ),
            lambda a: _("%(who)s set the type to %(after)s", who=who, after=a),
        ),
    }
    found = texts.get(event.action)
    if found is None:
        return None
    field = event.action.removeprefix("ticket.").removesuffix("_changed")
    before, after = _change(event, field)
    if before is None:
        return found[1](after or _("none"))
    return found[0](before, after or _("none"))


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
            outcome=outcome_label(after.get("outcome", "")),
        ),
        "ticket.outcome_recorded": lambda: _(
            "%(who)s recorded the outcome: %(outcome)s",
            who=who,
            outcome=outcome_label(after.get("outcome", "")),
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
