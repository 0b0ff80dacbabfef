"""What every benchmark needs: a throwaway database on this machine's PostgreSQL (or an
SQLite file), dropped afterwards."""

from __future__ import annotations

import uuid
from pathlib import Path

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
