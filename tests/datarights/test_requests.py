"""Data-rights requests: the right ticket, the law's deadline by the debtor's country
(hand-counted business days across weekends and holidays), and an opposition that
becomes the opt-out the reminder dispatcher honours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.accounts.models import ChannelOptOut
from helpdesk.datarights.services import RequestError, RightsRequest, open_request
from helpdesk.routing.services import tags_of
from helpdesk.sla.deadlines import deadlines_of

# The frozen clock: Monday 23 November 2026, 16:00 UTC.


def due(session, ticket):
    return {row.target: row.due_at for row in deadlines_of(session, ticket.id)}


def test_mexico_arco_access_is_due_in_20_business_days(
    session, make, rights_queue, intake_settings
):
    contact = make.contact()
    contact.timezone = "America/Mexico_City"
    make.account(contact=contact, currency="MXN")

    request = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )

    ticket = request.ticket
    assert (ticket.type, ticket.channel, ticket.contact_id) == ("data_rights", "portal", contact.id)
    assert (request.kind, request.country, request.legal_basis) == ("access", "MX", "arco-mx")
    assert ticket.queue_id == rights_queue.id
    assert "arco-mx" in tags_of(session, ticket.id)
    # Tue 24 Nov is day 1; four weekends skipped; day 20 is Mon 21 Dec, closing 18:00 CDMX.
    assert due(session, ticket)["resolution"] == datetime(2026, 12, 22, 0, 0, tzinfo=UTC)


def test_colombia_consulta_10_and_reclamo_15_business_days_with_the_mark_in_2(
    session, make, rights_queue, intake_settings
):
    contact = make.contact()
    contact.timezone = "America/Bogota"
    make.account(contact=contact, currency="COP", number="CO-1")

    consulta = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )
    reclamo = open_request(
        session,
        contact,
        RightsRequest(kind="rectification", wrong="Calle 1 # 2-3", right="Carrera 7 # 40-12"),
        settings=intake_settings,
        now=clock.now(),
    )

    assert consulta.legal_basis == "habeas-data-consulta"
    assert reclamo.legal_basis == "habeas-data-reclamo"
    # Consulta: day 10 is Mon 7 Dec, closing 17:00 Bogotá (22:00 UTC).
    assert due(session, consulta.ticket)["resolution"] == datetime(2026, 12, 7, 22, tzinfo=UTC)
    # Reclamo: Tue 8 Dec is a holiday (Inmaculada Concepción): day 15 is Tue 15 Dec.
    clocks = due(session, reclamo.ticket)
    assert clocks["resolution"] == datetime(2026, 12, 15, 22, tzinfo=UTC)
    # "Reclamo en trámite" within 2 business days: Wed 25 Nov, 17:00 Bogotá.
    assert clocks["first_response"] == datetime(2026, 11, 25, 22, tzinfo=UTC)
    assert "Carrera 7 # 40-12" in reclamo.ticket.messages[0].text


def test_argentina_correction_in_5_business_days_and_access_in_10_calendar_days(
    session, make, rights_queue, intake_settings
):
    contact = make.contact()
    contact.timezone = "America/Argentina/Buenos_Aires"

    correction = open_request(
        session,
        contact,
        RightsRequest(kind="rectification", wrong="DNI 1", right="DNI 2"),
        settings=intake_settings,
        now=clock.now(),
    )
    access = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )

    assert correction.country == "AR"
    # Day 5 is Mon 30 Nov (the weekend of 28–29 skipped), closing 18:00 Buenos Aires.
    assert due(session, correction.ticket)["resolution"] == datetime(2026, 11, 30, 21, tzinfo=UTC)
    # Ten calendar days: the end of Thu 3 Dec in Buenos Aires.
    assert due(session, access.ticket)["resolution"] == datetime(
        2026, 12, 4, 2, 59, 59, 999999, tzinfo=UTC
    )


def test_opposition_opts_the_contact_out_of_the_channel_at_once(
    session, make, rights_queue, intake_settings
):
    contact = make.contact()

    request = open_request(
        session,
        contact,
        RightsRequest(kind="opposition", channel="whatsapp"),
        settings=intake_settings,
        now=clock.now(),
    )

    opt_out = session.scalar(select(ChannelOptOut).where(ChannelOptOut.contact_id == contact.id))
    assert (opt_out.channel, opt_out.ticket_id) == ("whatsapp", request.ticket_id)


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (RightsRequest(kind="delete-everything"), "kind"),
        (RightsRequest(kind="rectification", wrong="", right="x"), "wrong"),
        (RightsRequest(kind="rectification", wrong="x", right=" "), "right"),
        (RightsRequest(kind="opposition", channel="carrier-pigeon"), "channel"),
    ],
)
def test_an_incomplete_request_is_refused_on_its_field(
    session, make, rights_queue, intake_settings, wanted, field
):
    with pytest.raises(RequestError) as refused:
        open_request(session, make.contact(), wanted, settings=intake_settings, now=clock.now())
    assert refused.value.field == field


def test_an_agent_changing_the_legal_tag_moves_the_deadline(
    session, make, rights_queue, intake_settings
):
    from helpdesk.audit.services import Actor
    from helpdesk.routing.services import add_tags, remove_tag

    contact = make.contact()
    contact.timezone = "America/Bogota"
    request = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )
    ticket, agent = request.ticket, Actor.system("test")
    assert due(session, ticket)["resolution"] == datetime(2026, 12, 7, 22, tzinfo=UTC)

    # The agent reads it as a claim (reclamo): 15 business days and the 2-day mark.
    remove_tag(session, ticket, "habeas-data-consulta", actor=agent, now=clock.now())
    add_tags(session, ticket, ["habeas-data-reclamo"], actor=agent, now=clock.now())

    clocks = due(session, ticket)
    assert clocks["resolution"] == datetime(2026, 12, 15, 22, tzinfo=UTC)
    assert clocks["first_response"] == datetime(2026, 11, 25, 22, tzinfo=UTC)
