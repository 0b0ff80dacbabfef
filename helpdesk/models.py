"""Every model, imported in one place so Alembic and the app see the whole schema."""

from helpdesk.accounts.models import ChannelConsent, ChannelOptOut, CollectionAccount
from helpdesk.audit.models import AuditEvent
from helpdesk.branding.models import Branding
from helpdesk.canned.models import CannedResponse
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.channels.whatsapp.models import (
    WhatsAppMedia,
    WhatsAppMessage,
    WhatsAppNumber,
    WhatsAppReaction,
    WhatsAppSentPart,
    WhatsAppStatus,
    WhatsAppTemplate,
    WhatsAppWebhook,
)
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.datarights.models import DataExport, DataRightsRequest
from helpdesk.holds.models import Hold, TicketOutcome, TicketTypeEffect
from helpdesk.inbox.models import SavedView, TicketRead
from helpdesk.outbound_webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from helpdesk.portal.models import PortalCode
from helpdesk.queues.models import Queue
from helpdesk.ratings.models import Rating
from helpdesk.reminders.models import ContactRule, ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.reports.models import ReportDelivery, ReportSubscription
from helpdesk.routing.models import RoutingRule, Tag
from helpdesk.search.models import SearchChange
from helpdesk.signins.models import MagicLink, SignIn
from helpdesk.sla.models import Notification, SlaCalendar, SlaPolicy, TicketDeadline
from helpdesk.tickets.models import Attachment, FolioSequence, Message, MessageReference, Ticket
from helpdesk.tokens.models import ApiToken
from helpdesk.users.models import PasswordReset, RecoveryCode, RolePolicy, User

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Branding",
    "CannedResponse",
    "ChannelConsent",
    "ChannelOptOut",
    "CollectionAccount",
    "Contact",
    "ContactIdentity",
    "ContactRule",
    "DataExport",
    "DataRightsRequest",
    "FolioSequence",
    "Hold",
    "InboundEmail",
    "MagicLink",
    "Mailbox",
    "Message",
    "MessageReference",
    "Notification",
    "PasswordReset",
    "PortalCode",
    "Queue",
    "Rating",
    "RecoveryCode",
    "ReminderDispatch",
    "ReminderSchedule",
    "ReminderStep",
    "ReportDelivery",
    "ReportSubscription",
    "RolePolicy",
    "RoutingRule",
    "SavedView",
    "SearchChange",
    "SignIn",
    "SlaCalendar",
    "SlaPolicy",
    "Tag",
    "Ticket",
    "TicketDeadline",
    "TicketOutcome",
    "TicketRead",
    "TicketTypeEffect",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WhatsAppMedia",
    "WhatsAppMessage",
    "WhatsAppNumber",
    "WhatsAppReaction",
    "WhatsAppSentPart",
    "WhatsAppStatus",
    "WhatsAppTemplate",
    "WhatsAppWebhook",
]
