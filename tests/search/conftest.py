"""Search tests: an index of their own per test, and helpers to index and to search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpdesk.jobs import run_ready_jobs
from helpdesk.search import services
from helpdesk.search.services import SearchSettings


@pytest.fixture
def settings(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SearchSettings:
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setitem(app.config, "DEFAULT_PHONE_REGION", "MX")
    return SearchSettings(data_dir=tmp_path / "data", phone_region="MX")


@pytest.fixture
def index(session: Any, settings: SearchSettings):
    """Commit, and run the indexing job the commit queued (as the search worker would)."""

    def run() -> None:
        session.commit()
        run_ready_jobs(session)

    return run


@pytest.fixture
def find(session: Any, settings: SearchSettings, make: Any):
    supervisor = make.user(role="supervisor")

    def search(text: str, viewer: Any = None) -> list[str]:
        found = services.search(session, text, viewer=viewer or supervisor, settings=settings)
        return [r.ticket.folio for r in found.results]

    return search
