"""Acuse fixtures: a CDMX calendar, a queue with an SLA policy, and reading PDFs back."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.sla.calendar import cdmx
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy

ADMIN = Actor.system("test")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with its lines joined by spaces (a sentence may wrap)."""
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@pytest.fixture
def sla_queue(session: Session, make: Any) -> Any:
    """A queue whose tickets must be resolved within 45 calendar days (CDMX calendar)."""
    calendar = save_calendar(
        session, None, name="CDMX acuse", config=cdmx().to_config(), actor=ADMIN,
        now=clock.now(),
    )  # fmt: skip
    queue = make.queue()
    save_policy(
        session,
        None,
        PolicyValues(
            name="Aclaraciones", queue=queue, calendar=calendar, first_response_amount=120,
            resolution_amount=45, resolution_unit="calendar_days",
        ),
        actor=ADMIN,
        now=clock.now(),
    )  # fmt: skip
    return queue
