"""Default reminder schedules and contact rules (the demo, and a new installation).

Idempotent: portfolios that already have a schedule and countries that already have a
rule are left as the admin made them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.reminders.models import ContactRule, ReminderSchedule, ReminderStep
from helpdesk.reminders.rules import DEFAULT_RULES

# A first guess of a portfolio's country from its currency; the admin corrects it.
COUNTRY_BY_CURRENCY = {"MXN": "MX", "COP": "CO", "ARS": "AR", "USD": "US"}
DEFAULT_TEMPLATE = "recordatorio_pago"  # body: {{1}} name, {{2}} account, {{3}} balance, {{4}} date


def default_steps() -> list[ReminderStep]:
    """3 days before: WhatsApp template; on the due date: email; 7 days after: email."""
    return [
        ReminderStep(offset_days=-3, channel="whatsapp", template_name=DEFAULT_TEMPLATE),
        ReminderStep(offset_days=0, channel="email"),
        ReminderStep(offset_days=7, channel="email"),
    ]


def install(session: Session, *, now: datetime) -> int:
    """Contact rules for MX, CO and AR, and a schedule for every portfolio without one.
    Returns how many schedules were created."""
    for country in ("MX", "CO", "AR"):
        if session.scalar(select(ContactRule).where(ContactRule.country == country)) is None:
            session.add(ContactRule(**asdict(DEFAULT_RULES[country]), updated_at=now))
    existing = set(session.execute(select(ReminderSchedule.creditor, ReminderSchedule.portfolio)))
    portfolios = session.execute(
        select(
            CollectionAccount.creditor,
            CollectionAccount.portfolio,
            func.min(CollectionAccount.currency),
        ).group_by(CollectionAccount.creditor, CollectionAccount.portfolio)
    ).all()
    created = 0
    for creditor, portfolio, currency in portfolios:
        if (creditor, portfolio) in existing:
            continue
        session.add(
            ReminderSchedule(
                creditor=creditor,
                portfolio=portfolio,
                name=f"{creditor} · {portfolio}" if portfolio else creditor,
                country=COUNTRY_BY_CURRENCY.get(currency, "MX"),
                is_active=True,
                created_at=now,
                updated_at=now,
                steps=default_steps(),
            )
        )
        created += 1
    session.flush()
    return created
