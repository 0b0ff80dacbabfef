"""An admin decides what each ticket type does to accounts; new links follow it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.holds import effects
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold, TicketTypeEffect


def held(session, account) -> bool:
    return hold_queries.hold_state(session, account, now=clock.now())["active"]


def test_the_page_lists_every_type_with_the_default_effects(client, signed_in):
    signed_in("admin")
    page = client.get("/admin/ticket-types").get_data(as_text=True)
    assert "Queja" in page and "Retener recordatorios" in page
    assert "fraud_review" in page and "under_review" in page


def test_harassment_complaints_changed_to_hold_put_new_links_on_hold(
    client, session, signed_in, make
):
    """'Queja por acoso' is a complaint: no hold by default, until an admin says so."""
    before = make.account()
    complaint = make.ticket(contact=before.contact, accounts=[before], type="complaint")
    assert not held(session, before)

    signed_in("admin")
    response = client.post(
        "/admin/ticket-types/complaint", data={"effect": "hold", "channel": "", "flag": ""}
    )
    assert response.status_code == 302
    assert session.get(TicketTypeEffect, "complaint").effect == "hold"

    account = make.account()
    make.ticket(
        contact=account.contact,
        accounts=[account],
        type="complaint",
        subject="Queja por acoso",
        text="Me llaman diez veces al día, incluso de noche.",
    )
    assert held(session, account)
    # An account linked before the change keeps what it had: nothing is applied backwards.
    assert not held(session, before) and complaint.status == "new"
    audit = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "ticket_type.effect_changed")
    )
    assert audit.before["effect"] == "none" and audit.after["effect"] == "hold"
    assert audit.after["ticket_type"] == "complaint" and audit.actor_kind == "user"


def test_a_hold_on_one_channel(client, session, signed_in, make):
    signed_in("admin")
    client.post(
        "/admin/ticket-types/payment_plan",
        data={"effect": "hold", "channel": "whatsapp", "flag": ""},
    )
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="payment_plan")
    hold = session.scalar(select(Hold).where(Hold.account_id == account.id))
    assert hold.channel == "whatsapp"
    assert hold_queries.is_held(session, account.id, "whatsapp", now=clock.now())
    assert not hold_queries.is_held(session, account.id, "email", now=clock.now())


def test_changing_a_type_leaves_existing_holds_open(client, session, signed_in, make):
    account = make.account()
    make.ticket(contact=account.contact, accounts=[account], type="dispute")
    signed_in("admin")
    client.post("/admin/ticket-types/dispute", data={"effect": "none", "channel": "", "flag": ""})
    assert held(session, account)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"effect": "explode", "channel": "", "flag": ""}, "effect"),
        ({"effect": "hold", "channel": "fax", "flag": ""}, "channel"),
        ({"effect": "flag", "channel": "", "flag": ""}, "flag"),
        ({"effect": "flag", "channel": "", "flag": "Bad Flag!"}, "flag"),
    ],
)
def test_invalid_effects_are_refused(client, session, signed_in, data, field):
    signed_in("admin")
    response = client.post("/admin/ticket-types/complaint", data=data)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert session.get(TicketTypeEffect, "complaint") is None


def test_unknown_type_is_404_and_agents_get_403(client, signed_in):
    signed_in("admin")
    assert client.get("/admin/ticket-types/nonsense").status_code == 404


def test_agents_cannot_change_effects(client, session, signed_in):
    signed_in("agent")
    assert client.get("/admin/ticket-types").status_code == 403
    response = client.post("/admin/ticket-types/complaint", data={"effect": "hold"})
    assert response.status_code == 403
    assert session.get(TicketTypeEffect, "complaint") is None


def test_the_service_refuses_what_the_form_would(session):
    with pytest.raises(effects.EffectError):
        effects.set_effect(
            session,
            "complaint",
            effect="flag",
            channel="email",
            flag="x",
            actor=Actor.system(),
            now=clock.now(),
        )
    saved = effects.set_effect(
        session,
        "stop_contact",
        effect="suppress",
        channel="whatsapp",
        flag="ignored",
        actor=Actor.system(),
        now=clock.now(),
    )
    assert saved == holds.Effect("suppress", channel="whatsapp")
