"""``helpdesk webhooks list|replay|run-due`` and the less common ticket paths."""

from __future__ import annotations

import json

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.jobs import run_ready_jobs
from helpdesk.outbound_webhooks.cli import webhooks_group
from helpdesk.outbound_webhooks.models import WebhookDelivery
from helpdesk.tickets import services as tickets


def invoke(app, *args):
    result = app.test_cli_runner().invoke(webhooks_group, list(args))
    return result


def opened(session, make):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    session.commit()
    run_ready_jobs(session)
    return ticket


def test_list_and_replay(app, session, make, receiver, endpoint):
    opened(session, make)
    result = invoke(app, "list")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["status"] for r in rows} == {"delivered"} and len(rows) == 2
    assert "whsec_" not in result.output

    event_id = receiver.of_type("ticket.opened")[0].headers["X-Aclara-Event-Id"]
    result = invoke(app, "replay", event_id)
    assert result.exit_code == 0, result.output
    assert "delivered" in result.output
    assert [r.headers["X-Aclara-Event-Id"] for r in receiver.of_type("ticket.opened")] == [
        event_id,
        event_id,
    ]
    assert invoke(app, "replay", "no-such-event").exit_code != 0


def test_closing_an_open_ticket_counts_as_resolved_once(session, make, receiver, endpoint):
    ticket = opened(session, make)
    receiver.requests.clear()
    tickets.set_status(session, ticket, "closed", actor=Actor.system(), now=clock.now())
    session.commit()
    run_ready_jobs(session)
    assert sorted(r.type for r in receiver.requests) == ["account.hold_ended", "ticket.resolved"]

    receiver.requests.clear()
    tickets.set_status(session, ticket, "open", actor=Actor.system(), now=clock.now())
    session.commit()
    run_ready_jobs(session)
    assert [r.type for r in receiver.requests] == ["account.hold_started"]  # hold reopened
    assert (
        session.scalar(select(WebhookDelivery.status).where(WebhookDelivery.status != "delivered"))
        is None
    )
