"""Every model, imported in one place so Alembic and the app see the whole schema."""

from helpdesk.audit.models import AuditEvent
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.dunning.models import CollectionAccount
from helpdesk.queues.models import Queue
from helpdesk.tickets.models import Attachment, FolioSequence, Message, MessageReference, Ticket
from helpdesk.users.models import User

__all__ = [
    "Attachment",
    "AuditEvent",
    "CollectionAccount",
    "Contact",
    "ContactIdentity",
    "FolioSequence",
    "InboundEmail",
    "Mailbox",
    "Message",
    "MessageReference",
    "Queue",
    "Ticket",
    "User",
]
