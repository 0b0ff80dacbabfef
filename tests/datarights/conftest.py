"""Data-rights fixtures: the "datos-personales" queue with the shipped legal policies."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk import clock
from helpdesk.intake.services import IntakeSettings
from helpdesk.queues.models import Queue
from helpdesk.sla import defaults


@pytest.fixture
def rights_queue(session: Any) -> Queue:
    queue = Queue(name="Datos personales", slug="datos-personales", created_at=clock.now())
    session.add(queue)
    session.flush()
    defaults.install(session, now=clock.now())
    return queue


@pytest.fixture
def intake_settings(app: Any) -> IntakeSettings:
    return IntakeSettings.from_config(app.config)


from tests.portal.conftest import fresh_limits_and_outbox, portal_sign_in  # noqa: E402, F401
