"""The tickets API: the collection system opens and resolves disputes; holds follow."""

from __future__ import annotations

from datetime import timedelta

from helpdesk import clock
from tests.api.helpers import account_body


def open_dispute(api, number="MX-700001", **body):
    api.put(f"/accounts/{number}", json=account_body())
    payload = {
        "type": "dispute",
        "account": number,
        "subject": "Cargo no reconocido",
        "text": "El cliente desconoce el cargo del 3 de noviembre.",
        "channel": "api",
    }
    payload.update(body)
    return api.post("/tickets", json=payload)


def test_a_dispute_through_the_api_puts_the_account_on_hold(api):
    response = open_dispute(api)
    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["folio"].startswith("ACL-") and ticket["channel"] == "api"
    assert ticket["type"] == "dispute"
    hold = api.get("/accounts/MX-700001").get_json()["hold"]
    assert hold["active"] and hold["since"]
    assert hold["reasons"] == [
        {"ticket": ticket["folio"], "type": "dispute", "channel": None, "resumes_at": None}
    ]


def test_a_complaint_does_not_hold(api):
    open_dispute(api, type="complaint")
    assert api.get("/accounts/MX-700001").get_json()["hold"]["active"] is False


def test_resolving_records_the_outcome_and_reminders_resume_after_the_grace(api, app):
    folio = open_dispute(api).get_json()["folio"]
    resolved = api.post(
        f"/tickets/{folio}/resolve",
        json={"outcome": "unfavourable", "note": "El cargo es correcto."},
    )
    assert resolved.status_code == 200
    assert resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["outcome"] == "unfavourable"
    hold = api.get("/accounts/MX-700001").get_json()["hold"]
    assert hold["active"] and hold["reasons"][0]["resumes_at"]  # inside the grace period
    later = clock.now() + timedelta(days=app.config["HOLD_GRACE_DAYS"], minutes=1)
    with clock.freeze(later):
        assert api.get("/accounts/MX-700001").get_json()["hold"]["active"] is False


def test_resolve_refuses_an_unknown_outcome(api):
    folio = open_dispute(api).get_json()["folio"]
    response = api.post(f"/tickets/{folio}/resolve", json={"outcome": "maybe"})
    assert response.status_code == 422


def test_a_ticket_for_a_contact_without_account(api):
    response = api.post(
        "/tickets",
        json={
            "type": "information",
            "subject": "Consulta",
            "text": "¿Cuánto debo?",
            "contact": {"name": "Luis Pérez", "email": "luis.perez@correo.mx"},
        },
    )
    assert response.status_code == 201
    assert response.get_json()["contact"]["email"] == "luis.perez@correo.mx"


def test_bad_ticket_bodies(api):
    response = api.post("/tickets", json={"type": "gossip", "subject": "", "text": "x"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) >= {"type", "subject", "contact"}
    assert api.get("/tickets/ACL-2026-999999").status_code == 404
