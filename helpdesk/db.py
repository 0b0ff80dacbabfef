"""Declarative base, the UTC datetime column type and the constraint naming convention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC. Naive datetimes are refused: they hide bugs."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        # SQLite keeps no zone: store naive UTC there, aware everywhere else.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL, a busy timeout, and real SAVEPOINTs.

    pysqlite opens transactions lazily on its own, which breaks nested transactions;
    SQLAlchemy's documented recipe takes that over and emits BEGIN itself.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


_TRANSACTION_CACHE = "db.transaction_cache"


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives until ``session``'s transaction ends (commit or any rollback).

    For lookups repeated while one transaction ingests a group of messages (the same
    sender's contact, say); dropping it at every rollback keeps it from ever holding an
    object the database no longer has.
    """
    caches: dict[str, dict[Any, Any]] = session.info.setdefault(_TRANSACTION_CACHE, {})
    return caches.setdefault(name, {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _drop_transaction_cache(session: Session, *_: Any) -> None:
    session.info.pop(_TRANSACTION_CACHE, None)
