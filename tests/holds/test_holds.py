"""Holds follow tickets: opened by holding types, closed by outcomes, reopened with them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from helpdesk import clock
from helpdesk.accounts.models import ChannelOptOut
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.channels.email.ingest import ingest_raw
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold, TicketTypeEffect
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from tests.channels.email.mail import raw_email
from tests.factories import email_settings


def active(session, account) -> bool:
    return hold_queries.hold_state(session, account, now=clock.now())["active"]


def test_an_emailed_dispute_links_the_debtors_account_and_holds_it(session, make):
    contact = make.contact(email="guadalupe.nunez@correo.mx")
    account = make.account(contact=contact)
    result = ingest_raw(
        session,
        raw_email(message_id="d1@correo.mx"),
        source="t",
        settings=email_settings(),
        now=clock.now(),
    )
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    tickets.set_type(session, ticket, "dispute", actor=Actor.system(), now=clock.now())
    assert ticket.accounts == [account]
    assert active(session, account)


def test_the_account_number_in_the_message_picks_the_account(session, make):
    contact = make.contact(email="guadalupe.nunez@correo.mx")
    make.account(contact=contact, number="MX-111111")
    named = make.account(contact=contact, number="MX-222222")
    result = ingest_raw(
        session,
        raw_email(message_id="d2@correo.mx", body="Mi cuenta MX-222222 tiene un cargo raro."),
        source="t",
        settings=email_settings(),
        now=clock.now(),
    )
    ticket = session.scalar(select(Ticket).where(Ticket.folio == result.folio))
    assert ticket.accounts == [named]


def test_outcome_closes_the_hold_and_reopening_reopens_it(session, make):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    assert active(session, account)
    holds.record_outcome(
        session,
        ticket,
        "partial",
        adjusted_balance=Decimal("800.00"),
        grace=holds.grace_period(current_app.config),
        actor=Actor.system(),
        now=clock.now(),
    )
    tickets.set_status(session, ticket, "resolved", actor=Actor.system(), now=clock.now())
    assert account.balance == Decimal("800.00")
    hold = session.scalar(select(Hold).where(Hold.ticket_id == ticket.id))
    assert hold.outcome == "partial" and hold.resume_at > clock.now()
    tickets.set_status(session, ticket, "open", actor=Actor.system(), now=clock.now())
    assert hold.closed_at is None and active(session, account)
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.ticket_id == ticket.id, AuditEvent.action.like("hold.%")
        )
    ).all()
    assert actions == ["hold.started", "hold.ended", "hold.reopened"]


def test_an_outcome_that_closes_the_account_keeps_reminders_stopped(session, make):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="not_my_debt")
    holds.record_outcome(
        session,
        ticket,
        "favourable",
        closes_account=True,
        grace=holds.grace_period(current_app.config),
        actor=Actor.system(),
        now=clock.now(),
    )
    assert account.status == "closed"
    assert session.scalar(select(Hold.resume_at).where(Hold.ticket_id == ticket.id)) is None


def test_admins_configure_what_a_type_does(session, make):
    session.add(
        TicketTypeEffect(
            ticket_type="complaint", effect="hold", channel="whatsapp", updated_at=clock.now()
        )
    )
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="complaint")
    assert hold_queries.is_held(session, account.id, "whatsapp", now=clock.now())
    assert not hold_queries.is_held(session, account.id, "email", now=clock.now())


def test_stop_contact_suppresses_the_channel_for_good(session, make):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="stop_contact")
    assert (
        session.scalar(
            select(ChannelOptOut.channel).where(ChannelOptOut.contact_id == ticket.contact_id)
        )
        == "all"
    )


def test_a_data_rights_request_flags_the_account(session, make):
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="data_rights")
    assert account.flags == ["under_review"] and not active(session, account)


def test_changing_the_type_away_from_a_dispute_lets_reminders_resume(session, make, app):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    tickets.set_type(session, ticket, "information", actor=Actor.system(), now=clock.now())
    later = clock.now() + timedelta(days=app.config["HOLD_GRACE_DAYS"], seconds=1)
    assert active(session, account)  # grace period
    assert not hold_queries.is_held(session, account.id, "email", now=later)


def test_unlinking_ends_the_hold_at_once(session, make):
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    holds.unlink_account(session, ticket, account, actor=Actor.system(), now=clock.now())
    assert not hold_queries.is_held(
        session, account.id, "email", now=clock.now() + timedelta(seconds=1)
    )
