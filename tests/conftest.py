"""Test setup: the app built once per backend, each test in a rolled-back transaction.

Every database test runs on SQLite and on PostgreSQL. With ``CI=true`` a test whose
service (PostgreSQL, Redis, Chromium) is missing fails; without it, it skips and says why.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from helpdesk import clock
from helpdesk.app import create_app
from helpdesk.extensions import db
from tests.factories import make, signed_in  # noqa: F401  (fixtures)

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FIXED_NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # a Monday, 10:00 in Mexico City
SECRET = "test-secret-key-that-is-long-enough-0123456789"

# Property-based tests explore new examples on every local run; in CI they replay a fixed
# set, so a submission's result does not depend on the luck of the draw.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def require_service(available: bool, reason: str) -> None:
    """Fail in CI, skip elsewhere: a service-backed test must never silently not run."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- PostgreSQL: a throwaway database per test session -----------------------------


def _postgres_admin_connection() -> Any:
    import psycopg

    url = POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def create_postgres_database() -> str:
    """Create an empty database and return its SQLAlchemy URL."""
    require_service(_port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    name = f"aclara_test_{uuid.uuid4().hex[:12]}"
    with _postgres_admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _postgres_admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        return create_postgres_database()
    return f"sqlite:///{tmp_path / 'aclara-test.sqlite3'}"


def app_config(url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
    }
    config.update(overrides)
    return config


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture
def committed_postgres(tmp_path: Path) -> Iterator[Flask]:
    """An app on a PostgreSQL database of its own, migrated, whose writes are committed
    (no test transaction around them): for tests of two connections at once."""
    url = create_postgres_database()
    app = create_app(app_config(url, tmp_path))
    migrate_to_head(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_postgres_database(url)


# --- The app, once per backend ------------------------------------------------------


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp_path = tmp_path_factory.mktemp(f"app-{backend}")
    url = database_url(backend, tmp_path)
    app = create_app(app_config(url, tmp_path))
    migrate_to_head(app)
    yield app
    with app.app_context():
        db.engine.dispose()
    if backend == "postgresql":
        drop_postgres_database(url)


class _TestScopedSession(scoped_session):
    """The app removes its session after each request and app context; a test keeps one
    session for its whole life so the objects it holds stay usable."""

    def remove(self) -> None:
        self.registry().flush()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    SQLAlchemy 2's "join an external transaction" recipe: the app's commits release
    savepoints, the outer transaction never commits.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        scoped = _TestScopedSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        original, db.session = db.session, scoped
        try:
            yield scoped()
        finally:
            scoped.registry().close()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, session: Session) -> Any:
    return app.test_client()


class CookieClient(FlaskClient):
    """A test client that proves who it is from its own cookies on every request. The
    tests' app context outlives requests, and Flask-Login would otherwise answer from the
    user it remembered in ``g`` for the last request, whichever client made it."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def cookie_client(app: Flask, session: Session) -> Iterator[Any]:
    """For tests with two browsers (sign-out elsewhere, a copied cookie): every client
    made from the app during the test is a ``CookieClient``."""
    app.test_client_class = CookieClient
    try:
        yield app.test_client()
    finally:
        app.test_client_class = None


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[datetime]:
    with clock.freeze(FIXED_NOW):
        yield FIXED_NOW


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests talk to loopback only; anything else is a bug in the test or the code."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("127."):
                raise RuntimeError(f"outbound network in a test: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def csrf_enabled(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def count_queries(app: Flask, session: Session) -> Any:
    """``with count_queries() as counter: ...; counter.count`` — the N+1 guard."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[Any]:
        class Counter:
            count = 0

        def before(*_args: Any) -> None:
            Counter.count += 1

        engine = session.get_bind()
        target = engine.engine if hasattr(engine, "engine") else engine
        event.listen(target, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            event.remove(target, "before_cursor_execute", before)

    return counting
