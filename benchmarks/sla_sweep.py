"""The SLA sweep on PostgreSQL with a million open tickets.

    .venv/bin/python benchmarks/sla_sweep.py [--tickets 1000000] [--crossing 0.01]

Builds a throwaway database (dropped at the end, whatever happens), migrates it, creates
one queue with a policy that escalates (notify the assignee and a supervisor, raise the
priority), then generates the tickets and two clocks per ticket (first response and
resolution) with set-based ``INSERT … SELECT generate_series`` — not the ORM. A share
``--crossing`` of the first-response clocks is overdue and as many again cross their
warning threshold. It then times:

* the first sweep: every warning and breach recorded, notices and priority changes and
  audit events written, committed;
* a second sweep at the same moment: nothing left to do (idempotence), which is what
  every minute costs on a quiet system.

Every statement runs under a ``statement_timeout``; the whole run stops itself after
``--max-seconds``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)

TICKETS_SQL = """
INSERT INTO tickets (id, folio, subject, type, status, priority, channel, queue_id,
                     assignee_id, contact_id, created_at, updated_at, last_activity_at)
SELECT g, 'BEN-' || g, 'Aclaración ' || g, 'dispute', 'open', 'normal', 'email', :queue,
       :agent, :contact, :now - interval '1 day', :now - interval '1 day', :now - interval '1 day'
  FROM generate_series(1, :n) AS g
"""

# First response: a share is overdue, as many again are past their warning only, the rest
# falls due over the next week. Resolution: weeks away.
DEADLINES_SQL = """
INSERT INTO ticket_deadlines (ticket_id, target, policy_id, started_at, due_at, warn_at,
                              paused_minutes, updated_at)
SELECT g, 'first_response', :policy, :now - interval '1 day',
       CASE WHEN g % :every = 0 THEN :now - interval '1 minute'
            WHEN g % :every = 1 THEN :now + interval '10 minutes'
            ELSE :now + (g % 10080 + 60) * interval '1 minute' END,
       CASE WHEN g % :every IN (0, 1) THEN :now - interval '20 minutes'
            ELSE :now + (g % 10080 + 30) * interval '1 minute' END,
       0, :now
  FROM generate_series(1, :n) AS g
UNION ALL
SELECT g, 'resolution', :policy, :now - interval '1 day',
       :now + (g % 40000 + 20000) * interval '1 minute',
       :now + (g % 40000 + 10000) * interval '1 minute', 0, :now
  FROM generate_series(1, :n) AS g
"""


def main() -> None:
    options = parse()
    signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(options.max_seconds)
    name = f"aclara_bench_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print(json.dumps(run(POSTGRES.rsplit("/", 1)[0] + f"/{name}", options), indent=2))
    finally:
        signal.alarm(0)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--crossing", type=float, default=0.01, help="share overdue now")
    parser.add_argument("--max-seconds", type=int, default=900)
    parser.add_argument("--statement-timeout", default="300s")
    return parser.parse_args()


def run(url: str, options: argparse.Namespace) -> dict[str, Any]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from helpdesk import clock
    from helpdesk.app import create_app
    from helpdesk.extensions import db
    from helpdesk.sla.sweep import sweep

    with tempfile.TemporaryDirectory() as home:
        app = create_app(_config(url, Path(home), options.statement_timeout))
        with app.app_context(), clock.freeze(NOW):
            upgrade()
            ids = _setup(db.session)
            started = time.perf_counter()
            params = {"n": options.tickets, "now": NOW, **ids}
            db.session.execute(text(TICKETS_SQL), params)
            every = max(2, round(1 / options.crossing))
            db.session.execute(text(DEADLINES_SQL), {**params, "every": every})
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            generated = time.perf_counter() - started
            first, report = _timed(lambda: sweep(db.session, now=NOW), db.session)
            second, again = _timed(lambda: sweep(db.session, now=NOW), db.session)
            counts = _counts(db.session)
            db.session.remove()
            db.engine.dispose()
    return {
        "tickets": options.tickets,
        "deadline_rows": options.tickets * 2,
        "generate_seconds": round(generated, 1),
        "first_sweep_seconds": round(first, 2),
        "first_sweep": report.as_dict(),
        "second_sweep_seconds": round(second, 3),
        "second_sweep": again.as_dict(),
        **counts,
    }


def _timed(action: Any, session: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    session.info.pop("aclara.pending_jobs", None)  # recompute and mail jobs: not measured
    session.commit()
    return time.perf_counter() - started, result


def _setup(session: Any) -> dict[str, int]:
    """One contact, an agent and a supervisor in one queue, a calendar and a policy."""
    from helpdesk import clock
    from helpdesk.audit.services import Actor
    from helpdesk.contacts.services import create_contact
    from helpdesk.queues.models import Queue
    from helpdesk.sla.calendar import cdmx
    from helpdesk.sla.services import PolicyValues, save_calendar, save_policy
    from helpdesk.users.services import create_user

    actor, now = Actor.system("benchmark"), clock.now()
    contact = create_contact(session, name="Deudor", email="d@correo.mx", actor=actor, now=now)
    queue = Queue(name="Aclaraciones", slug="aclaraciones", created_at=now)
    session.add(queue)
    people = [
        create_user(
            session,
            email=f"{role}@aclara.mx",
            name=role,
            role=role,
            password="x" * 12,
            actor=actor,
            now=now,
        )
        for role in ("agent", "supervisor")
    ]
    queue.members.extend(people)
    calendar = save_calendar(
        session, None, name="CDMX", config=cdmx().to_config(), actor=actor, now=now
    )
    policy = save_policy(
        session,
        None,
        PolicyValues(
            name="Aclaraciones",
            queue=queue,
            calendar=calendar,
            first_response_amount=240,
            resolution_amount=45,
            resolution_unit="calendar_days",
            escalate_raise_priority=True,
        ),
        actor=actor,
        now=now,
    )
    session.commit()
    return {"queue": queue.id, "agent": people[0].id, "contact": contact.id, "policy": policy.id}


def _counts(session: Any) -> dict[str, int]:
    from sqlalchemy import text

    return {
        "notifications": session.scalar(text("SELECT count(*) FROM notifications")),
        "breached_rows": session.scalar(
            text("SELECT count(*) FROM ticket_deadlines WHERE breached_at IS NOT NULL")
        ),
        "warned_rows": session.scalar(
            text("SELECT count(*) FROM ticket_deadlines WHERE warned_at IS NOT NULL")
        ),
    }


def _config(url: str, home: Path, timeout: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "benchmark-secret-key-0123456789-0123456789",
        "INSTANCE_PATH": str(home / "instance"),
        "DATA_DIR": str(home / "data"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-c statement_timeout={timeout}"},
        },
    }


def _admin() -> Any:
    import psycopg

    url = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def _too_long(*_: Any) -> None:
    raise TimeoutError("the benchmark ran past --max-seconds and stopped itself")


if __name__ == "__main__":
    main()
