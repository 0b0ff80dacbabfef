"""Consent through the accounts API: stored, idempotent, validated."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.accounts.models import ChannelConsent
from helpdesk.audit.models import AuditEvent
from tests.api.helpers import account_body


def with_consents(*channels, **overrides):
    body = account_body(**overrides)
    body["contact"] = {**body["contact"], "consents": list(channels)}
    return body


def stored(session):
    return session.execute(
        select(ChannelConsent.channel, ChannelConsent.source).order_by(ChannelConsent.channel)
    ).all()


def test_put_stores_consents_and_the_same_put_again_changes_nothing(api, session):
    created = api.put("/accounts/CO-1", json=with_consents("whatsapp", "email", "email"))
    assert created.status_code == 201
    assert created.get_json()["contact"]["consents"] == ["email", "whatsapp"]
    assert stored(session) == [("email", "api"), ("whatsapp", "api")]

    again = api.put("/accounts/CO-1", json=with_consents("email", "whatsapp"))
    assert again.status_code == 200
    assert stored(session) == [("email", "api"), ("whatsapp", "api")]
    granted = session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "contact.consent_granted")
    ).all()
    assert granted == [{"channels": ["email", "whatsapp"], "source": "api"}]
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.updated")
        )
        == 0
    )


def test_the_batch_reports_unchanged_consents_and_new_ones_as_an_update(api, session):
    rows = [with_consents("email", number="CO-2")]
    assert api.post("/accounts:batch", json={"accounts": rows}).get_json()["created"] == 1
    again = api.post("/accounts:batch", json={"accounts": rows}).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    more = [with_consents("email", "whatsapp", number="CO-2")]
    grown = api.post("/accounts:batch", json={"accounts": more}).get_json()
    assert (grown["updated"], grown["unchanged"]) == (1, 0)
    assert [c for c, _ in stored(session)] == ["email", "whatsapp"]
    # Leaving consents out removes none (withdrawing is an opt-out).
    api.post("/accounts:batch", json={"accounts": [account_body(number="CO-2")]})
    assert len(stored(session)) == 2


def test_an_unknown_consent_is_a_field_error_and_nothing_is_stored(api, session):
    for consents in (["email", "fax"], "email", [1]):
        body = account_body()
        body["contact"] = {**body["contact"], "consents": consents}
        response = api.put("/accounts/CO-3", json=body)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "invalid_account"
        assert set(error["details"]) == {"contact.consents"}
    assert stored(session) == []
