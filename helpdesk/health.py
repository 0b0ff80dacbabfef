"""What a load balancer asks before sending traffic: is the process able to serve?

Liveness needs nothing. Readiness needs the database, the schema at the newest migration
(a web server started before ``helpdesk init-db`` would fail on every page) and Redis when
jobs go through it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

OK = "ok"


def readiness(session: Session, *, migrations: Path, redis_url: str | None) -> dict[str, str]:
    """Each check's name and ``ok``, or a short reason it failed (no secrets, no URLs)."""
    checks = {"database": _database(session)}
    checks["migrations"] = _migrations(session, migrations) if checks["database"] == OK else (
        "not checked: the database is unreachable"
    )
    if redis_url:
        checks["redis"] = _redis(redis_url)
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    return all(result == OK for result in checks.values())


def _database(session: Session) -> str:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return "unreachable"
    return OK


def _migrations(session: Session, migrations: Path) -> str:
    expected = set(ScriptDirectory(str(migrations)).get_heads())
    current = set(MigrationContext.configure(session.connection()).get_current_heads())
    if current == expected:
        return OK
    return "pending migrations: run `helpdesk init-db`"


def _redis(url: str) -> str:
    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except RedisError as error:
        log.warning("readiness: redis unreachable: %s", type(error).__name__)
        return "unreachable"
    return OK
