"""The search change log's one write: these tickets changed (an upsert, so a ticket
changed twice before the indexer ran is indexed once, at its latest state)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.search.models import SearchChange


def record_changes(session: Session, ticket_ids: Iterable[int]) -> None:
    rows = [{"ticket_id": i, "changed_at": clock.now()} for i in sorted(set(ticket_ids))]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SearchChange.__table__).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["ticket_id"], set_={"changed_at": statement.excluded.changed_at}
    )
    session.connection().execute(statement)
