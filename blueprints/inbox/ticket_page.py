"""What the ticket page shows beside the ticket itself, built by the view from queries of
``helpdesk`` so the templates receive data and fetch none: the accounts card, the routing
card and its deadlines, WhatsApp's details and the email signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask import session as cookie_session
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.inbox.account_forms import LinkAccountForm, OutcomeForm
from blueprints.inbox.rights_views import export_card
from blueprints.inbox.sla_forms import TicketRoutingForm
from blueprints.inbox.ticket_forms import MergeForm, TagForm
from helpdesk import clock
from helpdesk.accounts.queries import accounts_of_contact
from helpdesk.canned import queries as canned_queries
from helpdesk.channels.email.replies import answers_by_email, signature_for
from helpdesk.channels.email.sanitise import split_quoted_html
from helpdesk.channels.whatsapp import queries as whatsapp_queries
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.extensions import db
from helpdesk.holds import queries as hold_queries
from helpdesk.inbox.queries import debtor_tickets, tag_names
from helpdesk.queues.queries import active_queues
from helpdesk.ratings.queries import ratings_of
from helpdesk.reminders.queries import next_reminder
from helpdesk.routing import assignment
from helpdesk.routing.services import tags_of
from helpdesk.sla import queries as sla_queries
from helpdesk.tickets import queries as ticket_queries
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.vocabulary import TicketType
from helpdesk.timeline import MESSAGE_ACTIONS, event_label, people_in
from helpdesk.users.mentions import known_handles
from helpdesk.users.queries import names_by_email


def ticket_context(ticket: Ticket) -> dict[str, Any]:
    """The template context of ``inbox/ticket_show.html`` besides the ticket and its forms."""
    now = clock.now()
    shows_whatsapp = ticket.channel == "whatsapp" or any(
        m.channel == "whatsapp" for m in ticket.messages
    )
    can_email = answers_by_email(ticket)
    return {
        "routing_card": routing_card(ticket),
        "deadlines": sla_queries.views_for(db.session, [ticket], now=now)[ticket.id],
        "accounts_panel": accounts_panel(ticket, now=now),
        "whatsapp": whatsapp_queries.ticket_details(
            db.session,
            ticket,
            agent=current_user,
            settings=WhatsAppSettings.from_config(current_app.config),
            now=now,
        )
        if shows_whatsapp
        else None,
        "signature": signature_for(current_user, ticket) if can_email else "",
        "can_email": can_email,
        "thread": thread(ticket, show_events=shows_events()),
        "show_events": shows_events(),
        "html_parts": {m.id: html_parts(m) for m in ticket.messages if m.html},
        "debtor_tickets": debtor_tickets(db.session, ticket, current_user),
        "merged_into": ticket_queries.folio_of(db.session, ticket.merged_into_id)
        if ticket.merged_into_id
        else None,
        "tag_form": TagForm(formdata=None),
        "known_tags": tag_names(db.session),
        "merge_form": MergeForm(formdata=None),
        "needs_outcome": hold_queries.needs_outcome(db.session, ticket),
        "ratings": ratings_of(db.session, ticket.id),
        "canned": canned_queries.usable_on(db.session, ticket, current_user),
        "mention_handles": known_handles(db.session),
        # What the composers' seen_message_id and the presence heartbeat compare with.
        "newest_inbound_id": ticket_queries.newest_inbound_id(ticket.messages),
        "presence_poll_ms": int(float(current_app.config["PRESENCE_POLL_SECONDS"]) * 1000),
        "data_export": export_card(ticket) if ticket.type == TicketType.DATA_RIGHTS else None,
    }


EVENTS_REMEMBERED = "ticket_events"  # the session key of the "Show events" switch


def remember_events_switch(value: str | None) -> None:
    """``?events=on|off`` on the ticket page: kept for the next tickets too."""
    if value in ("on", "off"):
        cookie_session[EVENTS_REMEMBERED] = value == "on"


def shows_events() -> bool:
    return bool(cookie_session.get(EVENTS_REMEMBERED, True))


# The icon and colour of an event row, by the start of its action.
_EVENT_KINDS = (
    ("ticket.status", "status", "◆"),
    ("ticket.assigned", "assign", "➜"),
    ("ticket.queue", "assign", "➜"),
    ("ticket.priority", "routing", "▲"),
    ("ticket.type", "routing", "▲"),
    ("ticket.tagged", "tag", "#"),
    ("ticket.untagged", "tag", "#"),
    ("ticket.merged", "merge", "⇲"),
    ("sla.", "sla", "◷"),
    ("hold.", "hold", "‖"),
    ("reminder.", "reminder", "✉"),
)


def _event_kind(action: str) -> tuple[str, str]:
    for prefix, kind, icon in _EVENT_KINDS:
        if action.startswith(prefix):
            return kind, icon
    return "other", "•"


def thread(ticket: Ticket, *, show_events: bool = True) -> list[dict[str, Any]]:
    """One timeline in time order: the messages (and notes) with the audit events between
    them as sentences naming people, not their emails. Events that only repeat a message
    are left out; at the same instant a message comes before what followed from it
    (the opening excepted)."""
    entries: list[dict[str, Any]] = [
        {"kind": "message", "at": m.created_at, "message": m, "order": (0, m.id)}
        for m in ticket.messages
    ]
    if show_events:
        events = [
            e
            for e in ticket_queries.ticket_timeline(db.session, ticket)
            if e.action not in MESSAGE_ACTIONS
        ]
        people = names_by_email(db.session, people_in(events)) if events else {}
        for e in events:
            kind, icon = _event_kind(e.action)
            entries.append(
                {
                    "kind": "event",
                    "at": e.created_at,
                    "text": event_label(e, people),
                    "event_kind": kind,
                    "icon": icon,
                    # The opening comes before the first message of the same instant.
                    "order": (-1 if e.action == "ticket.opened" else 1, e.id),
                }
            )
    return sorted(entries, key=lambda entry: (entry["at"], entry["order"]))


def html_parts(message: Message) -> tuple[str, str]:
    """A message's sanitised HTML as (shown, folded quoted history); the history is
    folded only when intake told it apart in the text too (``new_text``), so a quotation
    the debtor wrote on purpose stays in view."""
    if message.new_text is None:
        return message.html or "", ""
    return split_quoted_html(message.html or "")


def routing_card(ticket: Ticket) -> dict[str, Any]:
    """The sidebar's routing form (queue, priority, type, assignee) and the ticket's tags."""
    form = TicketRoutingForm(
        queues=active_queues(db.session),
        agents=assignment.staff_members(db.session),
        data={
            "queue": str(ticket.queue_id or ""),
            "priority": ticket.priority,
            "type": ticket.type,
            "assignee": str(ticket.assignee_id or ""),
        },
    )
    return {"form": form, "tags": tags_of(db.session, ticket.id)}


def accounts_panel(ticket: Ticket, *, now: datetime) -> dict[str, Any]:
    """What the accounts card of a ticket shows."""
    items = [
        {
            "account": account,
            "hold": hold_queries.hold_state(db.session, account, now=now),
            "next_reminder": next_reminder(db.session, account, now=now),
        }
        for account in ticket.accounts
    ]
    candidates = [
        a for a in accounts_of_contact(db.session, ticket.contact_id) if a not in ticket.accounts
    ]
    link_form = LinkAccountForm()
    link_form.account_id.choices = [(a.id, f"{a.number} · {a.creditor}") for a in candidates]
    return {
        "accounts": items,
        "candidates": candidates,
        "link_form": link_form,
        "action_form": EmptyForm(),
        "outcome_form": OutcomeForm(),
        "needs_outcome": hold_queries.needs_outcome(db.session, ticket),
        "ratings": ratings_of(db.session, ticket.id),
        "canned": canned_queries.usable_on(db.session, ticket, current_user),
        "mention_handles": known_handles(db.session),
    }
