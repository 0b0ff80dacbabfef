"""Routing rules: conditions, order, actions, checking, and routing through intake."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import current_app
from hypothesis import given
from hypothesis import strategies as st

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.intake.inbound import Inbound, Sender, ThreadHints
from helpdesk.intake.services import IntakeSettings, receive
from helpdesk.routing.rules import (
    AccountFacts,
    Facts,
    RuleError,
    RuleView,
    clean_actions,
    clean_conditions,
    evaluate,
    explain,
)
from helpdesk.routing.services import facts_for, save_rule, tags_of
from helpdesk.routing.text import fold, has_phrase

ADMIN = Actor.system("test")


def _intake() -> IntakeSettings:
    return IntakeSettings.from_config(current_app.config)


def facts(**values) -> Facts:
    base = {"channel": "email", "ticket_type": "information", "subject": "", "body": ""}
    base.update(values)
    return Facts(**base)


def rule(name, conditions, actions, stops=True):
    return RuleView(name=name, conditions=conditions, actions=actions, stops=stops)


def test_words_match_whole_words_without_accents_or_case():
    text = "Solicito una ACLARACIÓN del cargo; también una queja."
    assert has_phrase(text, "aclaracion")
    assert has_phrase(text, "Aclaración del cargo")
    assert not has_phrase(text, "aclara")  # whole words only
    assert has_phrase("I want to DISPUTE this debt", "dispute")


@given(st.text())
def test_folding_is_idempotent_and_drops_accents(text):
    assert fold(fold(text)) == fold(text)
    assert fold("ÁÉÍÓÚÜÑ") == "aeiouun"


def test_every_condition_kind():
    account = AccountFacts("Tarjetas", Decimal("15000"), 90)
    seen = facts(
        channel="whatsapp",
        recipients=("Quejas@Demo.mx",),
        ticket_type="complaint",
        subject="Me llaman de noche",
        body="Quiero presentar una queja formal.",
        accounts=(account,),
        language="es-MX",
    )
    conditions = {
        "channels": ["whatsapp", "email"],
        "recipients": ["quejas@demo.mx"],
        "types": ["complaint"],
        "words": ["queja", "reclamación"],
        "portfolios": ["tarjetas"],
        "balance_min": "10000",
        "balance_max": "20000",
        "days_past_due_min": 60,
        "languages": ["es"],
    }
    assert all(passed for _name, passed in explain(conditions, seen))
    for change in (
        {"channels": ["email"]},
        {"recipients": ["otra@demo.mx"]},
        {"types": ["dispute"]},
        {"words": ["convenio"]},
        {"portfolios": ["Autos"]},
        {"balance_max": "1000"},
        {"days_past_due_min": 120},
        {"languages": ["en"]},
    ):
        assert not all(passed for _n, passed in explain({**conditions, **change}, seen)), change


def test_rules_apply_in_order_until_one_stops():
    rules = [
        rule("tag", {"channels": ["email"]}, {"tags": ["correo"]}, stops=False),
        rule("queja", {"words": ["queja"]}, {"queue_id": 2, "priority": "high"}),
        rule("never", {"channels": ["email"]}, {"queue_id": 3}),
    ]
    outcome = evaluate(rules, facts(body="una queja"))
    assert (outcome.queue_id, outcome.priority, outcome.tags) == (2, "high", ("correo",))
    assert outcome.matched == ("tag", "queja")
    assert evaluate(rules, facts(channel="portal")).matched == ()


def test_bad_rules_are_refused():
    with pytest.raises(RuleError) as error:
        clean_conditions({})
    assert error.value.field == "channels"
    with pytest.raises(RuleError):
        clean_conditions({"channels": ["fax"]})
    with pytest.raises(RuleError) as error:
        clean_conditions({"balance_min": "500", "balance_max": "100"})
    assert error.value.field == "balance_max"
    with pytest.raises(RuleError):
        clean_conditions({"days_past_due_min": "-3"})
    with pytest.raises(RuleError):
        clean_actions({"queue_id": 99}, [1, 2])
    with pytest.raises(RuleError):
        clean_actions({}, [1])


def inbound(**values) -> Inbound:
    base = {
        "channel": "email",
        "external_id": f"<{values.get('subject', 'x')}@correo.mx>",
        "sender": Sender("email", "deudora@correo.mx", "Deudora"),
        "subject": "Hola",
        "text": "Buenos días",
        "recipients": ("aclaraciones@aclara.mx",),
    }
    base.update(values)
    return Inbound(**base)


def test_intake_routes_every_new_ticket(session, make):
    quejas = make.queue("Quejas")
    save_rule(
        session,
        None,
        name="Quejas por palabras",
        conditions={"words": ["queja", "complaint"]},
        actions={"queue_id": quejas.id, "type": "complaint", "priority": "high", "tags": ["UNE"]},
        stops=True,
        is_active=True,
        actor=ADMIN,
        now=clock.now(),
    )
    result = receive(
        session,
        inbound(subject="Presento una QUEJA", text="Me llaman a las 23:00"),
        settings=_intake(),
        now=clock.now(),
    )
    ticket = result.ticket
    assert (ticket.queue, ticket.type, ticket.priority) == (quejas, "complaint", "high")
    assert tags_of(session, ticket.id) == ["une"]
    other = receive(
        session, inbound(subject="Saldo", text="¿Cuánto debo?"), settings=_intake(), now=clock.now()
    )
    assert other.ticket.queue is None and other.ticket.type == "information"
    # The receiving address is remembered for the admin preview.
    assert facts_for(session, other.ticket).recipients == ("aclaraciones@aclara.mx",)


def test_replies_are_not_routed_again(session, make):
    quejas = make.queue("Quejas")
    first = receive(session, inbound(subject="Saldo"), settings=_intake(), now=clock.now())
    save_rule(
        session,
        None,
        name="Todo a quejas",
        conditions={"channels": ["email"]},
        actions={"queue_id": quejas.id},
        stops=True,
        is_active=True,
        actor=ADMIN,
        now=clock.now(),
    )
    reply = inbound(
        subject="Re: Saldo",
        external_id="<re@correo.mx>",
        text="Sigo esperando",
        hints=ThreadHints(in_reply_to=first.message.external_id),
    )
    assert receive(session, reply, settings=_intake(), now=clock.now()).action == "appended"
    assert first.ticket.queue is None
