"""The reminders administration: schedules, steps and contact rules (admins only)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from helpdesk.audit.models import AuditEvent
from helpdesk.reminders.models import ReminderSchedule
from helpdesk.reminders.rules import rule_for

HOURS = {day: "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_an_admin_builds_a_schedule_step_by_step(client, signed_in, session):
    signed_in("admin")
    response = client.post(
        "/admin/reminders",
        data={
            "creditor": "Banco Demo",
            "portfolio": "Tarjetas",
            "name": "Tarjetas MX",
            "country": "MX",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    schedule = session.scalar(
        select(ReminderSchedule).where(ReminderSchedule.name == "Tarjetas MX")
    )
    client.post(
        f"/admin/reminders/{schedule.id}/steps",
        data={"offset_days": "-3", "channel": "whatsapp", "template_name": "recordatorio_pago"},
    )
    client.post(
        f"/admin/reminders/{schedule.id}/steps", data={"offset_days": "0", "channel": "email"}
    )
    refused = client.post(
        f"/admin/reminders/{schedule.id}/steps", data={"offset_days": "5", "channel": "whatsapp"}
    )
    assert refused.status_code == 302
    assert [s.key for s in schedule.steps] == ["D-3/whatsapp", "D+0/email"]
    page = client.get(f"/admin/reminders/{schedule.id}").get_data(as_text=True)
    assert "3 días antes del vencimiento · WhatsApp" in page
    assert "El día del vencimiento" in page

    client.post(f"/admin/reminders/steps/{schedule.steps[0].id}/delete")
    assert [s.key for s in schedule.steps] == ["D+0/email"]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("reminder_s%"))
    ).all()
    assert actions == [
        "reminder_schedule.created",
        "reminder_step.added",
        "reminder_step.added",
        "reminder_step.deleted",
    ]


def test_a_second_schedule_for_a_portfolio_is_refused(client, signed_in, session):
    signed_in("admin")
    data = {"creditor": "Banco Demo", "portfolio": "Autos", "name": "Autos", "country": "MX"}
    client.post("/admin/reminders", data=data)
    page = client.post("/admin/reminders", data=data).get_data(as_text=True)
    assert "Esta cartera ya tiene un calendario de recordatorios." in page


def test_an_admin_adopts_the_safer_mexican_rule(client, signed_in, session):
    signed_in("admin")
    hours = HOURS | {day: "07:00-22:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    response = client.post(
        "/admin/reminders/rules/MX",
        data={"country": "MX", "timezone": "America/Mexico_City", "skip_holidays": "y", **hours},
    )
    assert response.status_code == 302
    rule = rule_for(session, "MX")
    assert rule.skip_holidays and "sat" not in rule.weekly_hours
    sunday = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert not rule.calendar().is_working_time(sunday)


def test_bad_hours_are_shown_and_nothing_is_saved(client, signed_in, session):
    signed_in("admin")
    page = client.post(
        "/admin/reminders/rules",
        data={"country": "CO", "timezone": "America/Bogota", **HOURS, "mon": "19:00-07:00"},
    ).get_data(as_text=True)
    assert 'class="error"' in page
    assert rule_for(session, "CO").weekly_hours["mon"] == [["07:00", "19:00"]]


def test_agents_cannot_reach_the_reminders_administration(client, signed_in):
    signed_in("agent")
    assert client.get("/admin/reminders").status_code in (403, 404)
    assert client.post("/admin/reminders/rules", data={"country": "MX"}).status_code in (403, 404)


def test_the_forms_need_their_csrf_token(client, signed_in, session, app, monkeypatch):
    signed_in("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/admin/reminders", data={"creditor": "X", "name": "X", "country": "MX"})
    assert response.status_code == 400
    assert session.scalar(select(ReminderSchedule).where(ReminderSchedule.creditor == "X")) is None


def test_an_admin_requires_consent_and_it_is_audited(client, signed_in, session):
    signed_in("admin")
    form = client.get("/admin/reminders/rules/CO").get_data(as_text=True)
    assert 'name="requires_consent"' in form and "checked" in form  # the CO default
    hours = HOURS | {day: "07:00-22:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    data = {"country": "MX", "timezone": "America/Mexico_City", **hours}
    client.post("/admin/reminders/rules/MX", data={**data, "requires_consent": "y"})
    assert rule_for(session, "MX").requires_consent
    client.post("/admin/reminders/rules/MX", data=data)  # unticked
    assert not rule_for(session, "MX").requires_consent
    saved = session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "contact_rule.saved")
    ).all()
    assert [a["requires_consent"] for a in saved] == [True, False]
