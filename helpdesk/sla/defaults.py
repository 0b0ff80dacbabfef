"""Default calendars, policies and routing rules (``helpdesk demo`` installs them).

Regulatory targets as the product ships them: a complaint answered within 30
business days (MX, UNE), an *aclaración* within 45 calendar days, a data-rights (ARCO)
request within 20 business days; data-rights requests from the portal get the policy
tagged with their legal basis (country and right, ``docs/data-rights.md``). The
customer's compliance officer has the last word: all of it is configuration, editable
in the admin pages.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor
from helpdesk.queues.models import Queue
from helpdesk.routing.models import RoutingRule
from helpdesk.routing.services import save_rule
from helpdesk.sla.calendar import BusinessCalendar, bogota, buenos_aires, cdmx
from helpdesk.sla.models import SlaCalendar, SlaPolicy, Unit
from helpdesk.sla.queries import by_name
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy

ACTOR = Actor.system("defaults")


def _weekdays_only(zone: str, country: str, opens: int, closes: int) -> Any:
    # The laws' "días hábiles" are Monday to Friday without holidays: the service
    # calendars above open on Saturday mornings, which a legal deadline never counts.
    hours = {day: [(time(opens), time(closes))] for day in range(5)}
    return lambda: BusinessCalendar(zone, hours, country=country)


CALENDARS = {
    "CDMX": cdmx,
    "Bogota": bogota,
    "Buenos Aires": buenos_aires,
    "Días hábiles México": _weekdays_only("America/Mexico_City", "MX", 9, 18),
    "Días hábiles Colombia": _weekdays_only("America/Bogota", "CO", 8, 17),
}
MINUTES, BUSINESS_DAYS, CALENDAR_DAYS = (
    Unit.BUSINESS_MINUTES,
    Unit.BUSINESS_DAYS,
    Unit.CALENDAR_DAYS,
)

# queue slug -> [(name, priority, type, first response, next response, resolution, extra)]
POLICIES: dict[str, list[tuple[str, str | None, str | None, Any, Any, Any, dict[str, Any]]]] = {
    "aclaraciones": [
        (
            "Aclaraciones (45 días naturales)",
            None,
            None,
            (240, MINUTES),
            (480, MINUTES),
            (45, CALENDAR_DAYS),
            {"escalate_raise_priority": True},
        ),
        (
            "Aclaraciones urgentes",
            "urgent",
            None,
            (60, MINUTES),
            (120, MINUTES),
            (45, CALENDAR_DAYS),
            {},
        ),
    ],
    "quejas": [
        (
            "Quejas UNE (30 días hábiles)",
            None,
            None,
            (240, MINUTES),
            (480, MINUTES),
            (30, BUSINESS_DAYS),
            {"escalate_raise_priority": True},
        ),
    ],
    "convenios": [
        ("Convenios de pago", None, None, (480, MINUTES), (960, MINUTES), (10, BUSINESS_DAYS), {}),
    ],
    "datos-personales": [
        (
            "Derechos ARCO (20 días hábiles)",
            None,
            None,
            (480, MINUTES),
            (960, MINUTES),
            (20, BUSINESS_DAYS),
            {},
        ),
    ],
}

# Data-rights requests: the policy tagged with the request's legal basis (the tags are
# helpdesk.datarights.services.LEGAL_BASIS), in its country's calendar.
# (name, tag, calendar, first response, resolution)
DATA_RIGHTS_POLICIES: list[tuple[str, str, str, Any, Any]] = [
    (
        "ARCO México (20 días hábiles)",
        "arco-mx",
        "Días hábiles México",
        (480, MINUTES),
        (20, BUSINESS_DAYS),
    ),
    (
        "Habeas data Colombia: consulta (10 días hábiles)",
        "habeas-data-consulta",
        "Días hábiles Colombia",
        (480, MINUTES),
        (10, BUSINESS_DAYS),
    ),
    # First response: the "reclamo en trámite" mark, within 2 business days.
    (
        "Habeas data Colombia: reclamo (15 días hábiles)",
        "habeas-data-reclamo",
        "Días hábiles Colombia",
        (2, BUSINESS_DAYS),
        (15, BUSINESS_DAYS),
    ),
    (
        "Ley 25.326 Argentina: acceso (10 días corridos)",
        "ley-25326-acceso",
        "Buenos Aires",
        (480, MINUTES),
        (10, CALENDAR_DAYS),
    ),
    (
        "Ley 25.326 Argentina: rectificación (5 días hábiles)",
        "ley-25326-rectificacion",
        "Buenos Aires",
        (480, MINUTES),
        (5, BUSINESS_DAYS),
    ),
]

# (name, conditions, actions by queue slug)
RULES = [
    (
        "Derechos ARCO",
        {"words": ["ARCO", "datos personales", "personal data"]},
        {"queue": "datos-personales", "type": "data_rights"},
    ),
    (
        "Quejas",
        {"words": ["queja", "amenaza", "acoso", "complaint", "harassment"]},
        {"queue": "quejas", "type": "complaint"},
    ),
    (
        "Convenios de pago",
        {"words": ["convenio", "plan de pagos", "quita", "payment plan"]},
        {"queue": "convenios", "type": "payment_plan"},
    ),
    (
        "Aclaraciones",
        {"words": ["aclaración", "no reconozco", "cargo", "ya pagué", "dispute"]},
        {"queue": "aclaraciones", "type": "dispute"},
    ),
]


def install(session: Session, *, now: datetime) -> None:
    """Create whatever of the defaults is missing (idempotent). Flushes."""
    stored = {name: _calendar(session, name, make, now) for name, make in CALENDARS.items()}
    queues = {q.slug: q for q in session.scalars(select(Queue))}
    for slug, policies in POLICIES.items():
        if slug in queues:
            for policy in policies:
                _policy(session, queues[slug], stored["CDMX"], policy, now)
    if "datos-personales" in queues:
        for name, tag, calendar, first, resolution in DATA_RIGHTS_POLICIES:
            policy = (name, None, "data_rights", first, (None, MINUTES), resolution, {"tag": tag})
            _policy(session, queues["datos-personales"], stored[calendar], policy, now)
    if session.scalar(select(RoutingRule.id).limit(1)) is None:
        for name, conditions, actions in RULES:
            queue = queues.get(actions["queue"])
            if queue is None:
                continue
            values = {"queue_id": queue.id, "type": actions["type"]}
            save_rule(
                session,
                None,
                name=name,
                conditions=conditions,
                actions=values,
                stops=True,
                is_active=True,
                actor=ACTOR,
                now=now,
            )


def _calendar(session: Session, name: str, make: Any, now: datetime) -> SlaCalendar:
    return by_name(session, name) or save_calendar(
        session, None, name=name, config=make().to_config(), actor=ACTOR, now=now
    )


def _policy(
    session: Session, queue: Queue, calendar: SlaCalendar, policy: tuple[Any, ...], now: datetime
) -> None:
    name, priority, ticket_type, first, following, resolution, extra = policy
    exists = session.scalar(
        select(SlaPolicy.id).where(SlaPolicy.queue_id == queue.id, SlaPolicy.name == name)
    )
    if exists is not None:
        return
    values = PolicyValues(
        name=name,
        queue=queue,
        calendar=calendar,
        priority=priority,
        ticket_type=ticket_type,
        first_response_amount=first[0],
        first_response_unit=first[1],
        next_response_amount=following[0],
        next_response_unit=following[1],
        resolution_amount=resolution[0],
        resolution_unit=resolution[1],
        **extra,
    )
    save_policy(session, None, values, actor=ACTOR, now=now)
