"""Signals one domain sends and another reacts to, listed in one place.

Senders pass the session and ids; receivers must not commit (the caller does).
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Ticket; kwargs: session, actor, now
ticket_opened = _signals.signal("ticket-opened")
# sender: the Ticket; kwargs: session, message, now
message_received = _signals.signal("message-received")
# sender: the Ticket; kwargs: session, message, now — channels send the queued reply
reply_queued = _signals.signal("reply-queued")
# sender: the Ticket; kwargs: session, before, after, actor, now
ticket_status_changed = _signals.signal("ticket-status-changed")
# sender: the Ticket; kwargs: session, field ("queue", "priority", "type"), before, after,
# actor, now — SLA clocks are computed again from the ticket's history
ticket_changed = _signals.signal("ticket-changed")

# sender: the Hold; kwargs: session, now — an account stopped / may resume reminders
hold_started = _signals.signal("hold-started")
hold_ended = _signals.signal("hold-ended")
