"""Ratings test helpers: the outbox where the request mails land, resolving a ticket the
way an agent does (through the service, then the commit that releases the mail job)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import limiter
from helpdesk.jobs import run_ready_jobs
from helpdesk.tickets import services as tickets
from tests.portal.conftest import mails_to, portal_sign_in  # noqa: F401  (fixture)

PUBLIC_URL = "https://ayuda.cobranza.example"


@pytest.fixture(autouse=True)
def fresh_outbox(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC_URL)
    with app.app_context():
        limiter.reset()
    shutil.rmtree(Path(app.config["DATA_DIR"]) / "outbox", ignore_errors=True)


def set_status(session: Any, ticket: Any, status: str, *, minutes: int = 0) -> datetime:
    """Change the status as an agent would, ``minutes`` after the frozen clock (two
    resolutions of one ticket are two moments), commit and run the released jobs."""
    now = clock.now() + timedelta(minutes=minutes)
    tickets.set_status(session, ticket, status, actor=Actor.system("test"), now=now)
    session.commit()
    run_ready_jobs(session)
    return now


def rating_links(app: Any, address: str) -> dict[int, str]:
    """The five links of the newest rating mail to ``address``, as paths."""
    mails = [m for m in mails_to(app, address) if "?" in str(m["Subject"])]
    assert mails, "no rating mail"
    text = mails[-1].get_body(("plain",)).get_content()
    found = re.findall(re.escape(PUBLIC_URL) + r"(/valorar/[^/\s]+/(\d))", text)
    return {int(score): path for path, score in found}
