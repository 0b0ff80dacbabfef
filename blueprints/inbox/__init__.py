"""The inbox blueprint: ``views.py`` creates it (the ticket list and page); the other
views modules declare their routes and are registered here, in one list."""

from blueprints.inbox import (
    account_views,
    canned_views,
    email_views,
    list_views,
    mention_views,
    presence_views,
    rights_views,
    sla_views,
    ticket_views,
    whatsapp_views,
)
from blueprints.inbox.views import bp

AREAS = (
    account_views,  # accounts, holds and outcomes on the ticket page
    canned_views,  # canned responses and filling one in for the composer
    email_views,  # the email reply composer
    mention_views,  # @mentions in notes: whom to mention, highlighted in the timeline
    list_views,  # the ticket list: views, filters, saved views, bulk actions
    presence_views,  # who else has a ticket open, who is typing, new messages meanwhile
    rights_views,  # a data-rights ticket's data export: produce, deliver, download
    sla_views,  # SLA, routing, notifications, team
    ticket_views,  # the ticket page's tags, merge and PDF previews
    whatsapp_views,  # the WhatsApp composer
)
for area in AREAS:
    area.routes.register(bp)
bp.app_context_processor(sla_views.staff_top_bar)

__all__ = ["bp"]
