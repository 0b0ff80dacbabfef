"""A debtor's dispute holds their account whichever door it came through, with no agent
in between: the default routing rule types it as a dispute, intake links the account.

(The API door is tested in tests/api/test_tickets_api.py, the portal's in tests/portal.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.holds import queries as hold_queries
from helpdesk.routing.services import save_rule
from helpdesk.sla.defaults import RULES
from helpdesk.tickets.models import Message, Ticket
from tests.channels.email.mail import raw_email
from tests.channels.whatsapp.conftest import deliver, payload, text_message, whatsapp_config
from tests.factories import email_settings

__all__ = ["whatsapp_config"]  # the WhatsApp number the webhook is configured for

DISPUTE_TEXT = "Buenas tardes, solicito una aclaración: no reconozco el cargo de octubre."


@pytest.fixture()
def dispute_rule(session, make) -> None:
    """The default "Aclaraciones" rule, as ``helpdesk demo`` installs it."""
    name, conditions, actions = next(rule for rule in RULES if rule[2]["type"] == "dispute")
    queue = make.queue("Aclaraciones")
    save_rule(
        session,
        None,
        name=name,
        conditions=conditions,
        actions={"queue_id": queue.id, "type": actions["type"]},
        stops=True,
        is_active=True,
        actor=Actor.system("test"),
        now=clock.now(),
    )


def hold_of(session, account) -> dict:
    return hold_queries.hold_state(session, account, now=clock.now())


def test_an_emailed_dispute_holds_the_account_without_an_agent(session, make, dispute_rule):
    contact = make.contact(email="guadalupe.nunez@correo.mx")
    account = make.account(contact=contact)
    other_debtors = make.account()

    result = ingest_raw(
        session,
        raw_email(message_id="aclara-1@correo.mx", subject="Aclaración", body=DISPUTE_TEXT),
        source="test",
        settings=email_settings(), now=clock.now(),
    )

    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    assert (ticket.type, ticket.accounts) == ("dispute", [account])
    state = hold_of(session, account)
    assert state["active"] and state["since"] == clock.now()
    assert [r["ticket"] for r in state["reasons"]] == [ticket.folio]
    assert not hold_of(session, other_debtors)["active"]
    assert session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.ticket_id == ticket.id, AuditEvent.action == "hold.started"
        )
    )


def test_a_whatsapp_dispute_holds_the_account_without_an_agent(
    client, session, make, dispute_rule
):
    contact = make.contact(name="Guadalupe Núñez", email=None, phone="+525512345678")
    account = make.account(contact=contact)

    # Mexican numbers arrive as 521…; the contact is known by its E.164 form.
    message = text_message("wamid.ACLARA1", DISPUTE_TEXT, 1795449000, frm="5215512345678")
    deliver(client, payload([message]))

    stored = session.scalar(select(Message).where(Message.external_id == "wamid.ACLARA1"))
    assert stored is not None
    ticket = stored.ticket
    assert (ticket.channel, ticket.type, ticket.contact_id) == ("whatsapp", "dispute", contact.id)
    assert ticket.accounts == [account]
    assert hold_of(session, account)["active"]


def test_a_message_that_is_not_a_dispute_does_not_hold(session, make, dispute_rule):
    contact = make.contact(email="guadalupe.nunez@correo.mx")
    account = make.account(contact=contact)

    result = ingest_raw(
        session,
        raw_email(message_id="pregunta-1@correo.mx", subject="Horario", body="¿A qué hora abren?"),
        source="test",
        settings=email_settings(), now=clock.now(),
    )

    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    assert ticket.type != "dispute" and ticket.accounts == [account]
    assert not hold_of(session, account)["active"]
