"""The Alembic migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from helpdesk.app import create_app
from helpdesk.extensions import db
from tests.conftest import app_config, database_url, drop_postgres_database

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
def empty_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh, empty database (not the shared, already migrated one)."""
    url = database_url(backend, tmp_path)
    app = create_app(app_config(url, tmp_path))
    try:
        with app.app_context():
            yield app
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_there_is_exactly_one_head() -> None:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"several Alembic heads, merge them: {heads}"


def test_upgrade_matches_the_models_and_downgrade_undoes_it(empty_app: Flask) -> None:
    assert table_names() == set()

    upgrade()
    assert set(db.metadata.tables) <= table_names()
    diffs = schema_differences()
    assert diffs == [], f"migrations and models differ: {diffs}"

    downgrade(revision="base")
    assert table_names() <= {"alembic_version"}

    upgrade()
    diffs = schema_differences()
    assert diffs == [], f"after downgrade and upgrade again, migrations and models differ: {diffs}"
