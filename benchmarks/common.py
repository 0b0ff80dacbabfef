"""What every benchmark needs: a throwaway database on this machine's PostgreSQL (or an
SQLite file), dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database(backend: str, tmp: Path, *, prefix: str = "aclara_bench") -> tuple[str, str | None]:
    """A URL for an empty database, and its name when it must be dropped (PostgreSQL)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}", name


def drop(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(POSTGRES.replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_config(url: str, home: Path, **overrides: Any) -> dict[str, Any]:
    """What every benchmark's app starts from: its database, a throwaway ``home`` for the
    instance and data files, and no Redis (jobs run inline)."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "benchmark-secret-key-0123456789",
        "ENV": "testing",
        "INSTANCE_PATH": str(home),
        "DATA_DIR": str(home / "data"),
        "REDIS_URL": None,
        **overrides,
    }


@contextmanager
def migrated_app(backend: str, home: Path) -> Iterator[Any]:
    """An app on a fresh, migrated database of ``backend``, inside its app context;
    the database is dropped afterwards."""
    from flask_migrate import upgrade

    from helpdesk.app import create_app
    from helpdesk.extensions import db

    url, name = database(backend, home)
    app = create_app(app_config(url, home / backend))
    try:
        with app.app_context():
            upgrade()
            yield app
            db.engine.dispose()
    finally:
        drop(name)
