"""Background jobs: inline without Redis, a real ``helpdesk worker`` with it, the cron table."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import cron
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import jobs
from helpdesk.app import create_app
from helpdesk.extensions import db
from helpdesk.queues.models import Queue
from tests import jobs_probe
from tests.conftest import REDIS_TEST_URL, SECRET, app_config, migrate_to_head, require_service

REPO_ROOT = Path(__file__).resolve().parents[1]
HELPDESK_SCRIPT = REPO_ROOT / ".venv" / "bin" / "helpdesk"


def queue_names(session: Session) -> list[str]:
    return list(session.scalars(select(Queue.name)))


def test_enqueue_without_redis_runs_the_job_inline(app: Flask, session: Session) -> None:
    assert app.config["REDIS_URL"] is None

    job = jobs.enqueue(jobs_probe.create_queue, "Cola inline", "cola-inline", queue="intake")

    assert job is None
    assert "Cola inline" in queue_names(session)


def test_enqueue_rejects_an_unknown_queue() -> None:
    with pytest.raises(ValueError, match="unknown queue 'urgent'"):
        jobs.enqueue(jobs_probe.create_queue, "x", "x", queue="urgent")


# --- A real worker process on real Redis ---------------------------------------------


@pytest.fixture
def redis_db15() -> Iterator[Redis]:
    """Redis database 15, empty before and after the test (and only database 15)."""
    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.mark.redis
def test_a_real_worker_runs_an_enqueued_job(redis_db15: Redis, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    app = create_app(app_config(url, tmp_path, REDIS_URL=REDIS_TEST_URL))
    migrate_to_head(app)
    with app.app_context():
        job = jobs.enqueue(jobs_probe.create_queue, "Cola del worker", "cola-worker")
        db.engine.dispose()
    assert job is not None

    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": url,
        "REDIS_URL": REDIS_TEST_URL,
        "HELPDESK_SECRET_KEY": SECRET,
        "HELPDESK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    result = subprocess.run(
        [str(HELPDESK_SCRIPT), "worker", "--burst"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    assert Job.fetch(job.id, connection=redis_db15).get_status() == JobStatus.FINISHED
    fresh = create_app(app_config(url, tmp_path))
    with fresh.app_context():
        assert queue_names(db.session) == ["Cola del worker"]
        db.engine.dispose()


# --- The cron table -------------------------------------------------------------------


def registered_cron_jobs(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Import ``helpdesk.cron_config`` afresh and return what it registered with RQ."""
    monkeypatch.setattr(cron, "_job_data_registry", [])
    monkeypatch.delitem(sys.modules, "helpdesk.cron_config", raising=False)
    importlib.import_module("helpdesk.cron_config")
    return cron._job_data_registry


def test_cron_config_registers_exactly_the_cron_table(monkeypatch: pytest.MonkeyPatch) -> None:
    registered = registered_cron_jobs(monkeypatch)

    assert [job["name"] for job in registered] == [entry.name for entry in jobs.CRON_TABLE]


def test_cron_config_registers_each_entry_as_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = jobs.CronEntry(
        name="probe-every-minute",
        func="tests.jobs_probe.create_queue",
        queue="reports",
        interval=60,
        kwargs={"name": "Cola cron", "slug": "cola-cron"},
    )
    monkeypatch.setattr(jobs, "CRON_TABLE", [entry])

    [registered] = registered_cron_jobs(monkeypatch)

    assert registered["func"] is jobs_probe.create_queue
    assert registered["name"] == "probe-every-minute"
    assert registered["queue_name"] == "reports"
    assert registered["interval"] == 60 and registered["cron"] is None
    assert registered["kwargs"] == {"name": "Cola cron", "slug": "cola-cron"}
