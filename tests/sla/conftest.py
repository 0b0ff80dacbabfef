"""SLA fixtures: a stored CDMX calendar and a policy maker."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.queues.models import Queue
from helpdesk.sla.calendar import cdmx
from helpdesk.sla.models import SlaCalendar, SlaPolicy
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy

ADMIN = Actor.system("test")


@pytest.fixture
def calendar(session: Session) -> SlaCalendar:
    return save_calendar(
        session, None, name="CDMX", config=cdmx().to_config(), actor=ADMIN, now=clock.now()
    )


@pytest.fixture
def make_policy(session: Session, calendar: SlaCalendar) -> Any:
    def make_policy(queue: Queue, **values: Any) -> SlaPolicy:
        fields: dict[str, Any] = {
            "name": f"SLA {queue.name}",
            "queue": queue,
            "calendar": calendar,
            "first_response_amount": 120,
            "resolution_amount": 600,
        }
        fields.update(values)
        return save_policy(session, None, PolicyValues(**fields), actor=ADMIN, now=clock.now())

    return make_policy
