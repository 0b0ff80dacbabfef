"""Every model, imported in one place so Alembic and the app see the whole schema."""

from helpdesk.audit.models import AuditEvent
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.dunning.models import CollectionAccount
from helpdesk.queues.models import Queue
from helpdesk.tickets.models import Attachment, FolioSequence, Message, Ticket
from helpdesk.users.models import User

__all__ = [
    "Attachment",
    "AuditEvent",
    "CollectionAccount",
    "Contact",
    "ContactIdentity",
    "FolioSequence",
    "Message",
    "Queue",
    "Ticket",
    "User",
]
