"""Notices by email: one job per batch, idempotent, in the user's language."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from helpdesk import clock
from helpdesk.sla.notifications import notify, send_notification_emails


def test_notices_are_emailed_once_in_the_users_language(app, session, make):
    agent = make.user(locale="es_MX")
    ticket = make.ticket()
    rows = [
        {
            "user_id": agent.id,
            "ticket_id": ticket.id,
            "kind": "sla.breached",
            "target": "first_response",
            "created_at": clock.now(),
        }
    ]
    ids = notify(session, rows, email=False)
    assert send_notification_emails(ids) == 1
    assert send_notification_emails(ids) == 0  # already sent
    outbox = Path(app.config["DATA_DIR"], "outbox").glob("*.eml")
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in outbox]
    (mail,) = [m for m in mails if m["To"] == agent.email]
    assert mail["Subject"] == f"{ticket.folio}: venció el plazo de primera respuesta"
    assert mail["Auto-Submitted"] == "auto-generated"
