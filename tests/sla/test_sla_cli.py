"""``helpdesk sla preview`` and ``helpdesk sla sweep``, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpdesk import clock
from helpdesk.app import create_app
from helpdesk.extensions import db
from helpdesk.queues.models import Queue
from helpdesk.sla import defaults
from tests.conftest import app_config
from tests.test_cli import helpdesk, ok, one_error_line, sqlite_url


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the default calendars, the four demo queues and their policies."""
    home = tmp_path_factory.mktemp("sla-cli")
    ok(helpdesk("init-db", home))
    app = create_app(app_config(sqlite_url(home), home))
    with app.app_context():
        for name, slug in (
            ("Aclaraciones", "aclaraciones"),
            ("Quejas", "quejas"),
            ("Convenios de pago", "convenios"),
            ("Datos personales (ARCO)", "datos-personales"),
        ):
            db.session.add(Queue(name=name, slug=slug, created_at=clock.now()))
        db.session.flush()
        defaults.install(db.session, now=clock.now())
        db.session.commit()
        db.engine.dispose()
    return home


def preview(home: Path, arguments: str) -> dict:
    return json.loads(ok(helpdesk(f"sla preview {arguments}", home)))


def test_a_bare_calendar_sum_across_a_weekend_and_a_mexican_holiday(home: Path) -> None:
    # Saturday 14 Nov 2026, 13:30: 30 minutes left that day, Sunday closed, Monday 16 is
    # Revolution Day (a public holiday), so the last 90 minutes fall on Tuesday morning.
    answer = preview(home, "--calendar CDMX --business-minutes 120 --at 2026-11-14T13:30:00-06:00")
    assert answer == {"due": "2026-11-17T10:30:00-06:00"}
    utc = preview(home, "--calendar cdmx --business-minutes 0 --at 2026-11-15T18:00:00Z")
    assert utc == {"due": "2026-11-17T09:00:00-06:00"}
    days = preview(home, "--calendar CDMX --business-days 1 --at 2026-11-13T12:00:00-06:00")
    assert days == {"due": "2026-11-14T14:00:00-06:00"}  # Saturday counts, until 14:00


def test_a_ticket_preview_uses_the_queue_policy_and_its_calendar(home: Path) -> None:
    answer = preview(
        home, "--queue Quejas --priority normal --type complaint --at 2026-11-14T13:30:00-06:00"
    )
    assert answer["calendar"] == "CDMX"
    assert answer["policy"] == "Quejas UNE (30 días hábiles)"
    # 240 business minutes: 30 on Saturday, then Tuesday 09:00-12:30 (Monday is a holiday).
    assert answer["first_response_due"] == "2026-11-17T12:30:00-06:00"
    # 30 business days after Saturday 14 Nov (Saturdays count, Monday 16 does not):
    # the 30th is Monday 21 Dec, due at its close.
    assert answer["resolution_due"] == "2026-12-21T18:00:00-06:00"
    aclaracion = preview(
        home, "--queue aclaraciones --priority normal --type dispute --at 2026-11-14T13:30:00-06:00"
    )
    assert aclaracion["resolution_due"] == "2026-12-29T23:59:59.999999-06:00"  # 45 calendar days


def test_a_preview_with_a_tag_gets_the_tagged_policy(home: Path) -> None:
    """A data-rights request's legal basis is a tag; its policy carries the legal term."""
    at = "--at 2026-11-13T12:00:00-05:00"
    reclamo = preview(
        home, f"--queue datos-personales --type data_rights --tag habeas-data-reclamo {at}"
    )
    assert reclamo["policy"] == "Habeas data Colombia: reclamo (15 días hábiles)"
    assert reclamo["tags"] == ["habeas-data-reclamo"]
    assert reclamo["calendar"] == "Días hábiles Colombia"
    arco = preview(home, f"--queue datos-personales --type data_rights --tag ARCO-MX {at}")
    assert arco["policy"] == "ARCO México (20 días hábiles)"
    assert arco["resolution_due"] != reclamo["resolution_due"]


def test_preview_errors_are_one_line(home: Path) -> None:
    assert "no queue" in one_error_line(
        helpdesk("sla preview --queue Nada --at 2026-11-14T10:00Z", home)
    )
    assert "offset" in one_error_line(
        helpdesk("sla preview --calendar CDMX --business-minutes 5 --at 2026-11-14T10:00", home)
    )
    assert "--priority" in one_error_line(
        helpdesk("sla preview --queue Quejas --priority ya --at 2026-11-14T10:00Z", home)
    )


def test_sweep_by_hand_prints_what_it_did(home: Path) -> None:
    report = json.loads(ok(helpdesk("sla sweep", home)))
    assert report["breached"] == 0 and report["skipped"] is False
