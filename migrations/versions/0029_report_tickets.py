"""Reports: one narrow row a ticket with what the SLA report counts, kept by triggers

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 03:30:00

``report_tickets`` holds, for every ticket, the columns the SLA report groups, filters and
measures by: queue, agent, type, channel, whether it was merged, when it was opened,
resolved and closed, and both clocks (first response, resolution) side by side — when each
is due, when it was met and the business minutes it took. The report reads this table
(about 130 bytes a row) instead of joining ``tickets`` to two rows of ``ticket_deadlines``
(340 MB each at 1,000,000 tickets): see docs/benchmarks.md, "SLA reports".

Database triggers keep it, so no write path can forget it (the ORM, bulk updates, COPY):

* a ticket's insert writes its row, an update of one of its columns copies that column,
  its delete removes the row;
* a clock's insert or update copies its three columns into the columns of its target; its
  delete empties them.

Each trigger copies only the values of the row it fires for (``NEW``) and reads no other
table, so two transactions changing a ticket and one of its clocks at once cannot leave a
stale copy: each writes its own columns, and the second waits for the first's row lock,
then updates the newest version (READ COMMITTED).

The existing tickets and clocks are copied in by one INSERT … SELECT below.

Also ``ticket_deadlines(due_at)``: the report's breach list, the period's earliest breached
deadlines, walks it from the period's start instead of sorting every breach.
"""
import sqlalchemy as sa
from alembic import op

from helpdesk.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# A clock row (NEW) copied into the columns of its target, or (OLD) emptied from them.
SET_CLOCK = """
    UPDATE report_tickets SET
        first_due_at = CASE WHEN NEW.target = 'first_response'
            THEN NEW.due_at ELSE first_due_at END,
        first_met_at = CASE WHEN NEW.target = 'first_response'
            THEN NEW.met_at ELSE first_met_at END,
        first_minutes = CASE WHEN NEW.target = 'first_response'
            THEN NEW.used_minutes ELSE first_minutes END,
        resolution_due_at = CASE WHEN NEW.target = 'resolution'
            THEN NEW.due_at ELSE resolution_due_at END,
        resolution_met_at = CASE WHEN NEW.target = 'resolution'
            THEN NEW.met_at ELSE resolution_met_at END,
        resolution_minutes = CASE WHEN NEW.target = 'resolution'
            THEN NEW.used_minutes ELSE resolution_minutes END
    WHERE id = NEW.ticket_id"""
EMPTY_CLOCK = """
    UPDATE report_tickets SET
        first_due_at = CASE WHEN OLD.target = 'first_response' THEN NULL ELSE first_due_at END,
        first_met_at = CASE WHEN OLD.target = 'first_response' THEN NULL ELSE first_met_at END,
        first_minutes = CASE WHEN OLD.target = 'first_response' THEN NULL ELSE first_minutes END,
        resolution_due_at = CASE WHEN OLD.target = 'resolution'
            THEN NULL ELSE resolution_due_at END,
        resolution_met_at = CASE WHEN OLD.target = 'resolution'
            THEN NULL ELSE resolution_met_at END,
        resolution_minutes = CASE WHEN OLD.target = 'resolution'
            THEN NULL ELSE resolution_minutes END
    WHERE id = OLD.ticket_id"""
CLOCK_MOVED = "OLD.ticket_id <> NEW.ticket_id OR OLD.target <> NEW.target"
INSERT_TICKET = """
    INSERT INTO report_tickets (id, queue_id, assignee_id, type, channel, merged_into_id,
                                created_at, resolved_at, closed_at)
    VALUES (NEW.id, NEW.queue_id, NEW.assignee_id, NEW.type, NEW.channel, NEW.merged_into_id,
            NEW.created_at, NEW.resolved_at, NEW.closed_at)"""
UPDATE_TICKET = """
    UPDATE report_tickets SET
        queue_id = NEW.queue_id, assignee_id = NEW.assignee_id, type = NEW.type,
        channel = NEW.channel, merged_into_id = NEW.merged_into_id,
        created_at = NEW.created_at, resolved_at = NEW.resolved_at, closed_at = NEW.closed_at
    WHERE id = NEW.id"""
DELETE_TICKET = "DELETE FROM report_tickets WHERE id = OLD.id"
# Only the columns copied, and only when one of their values changes: a ticket's other
# columns (its last activity, on every message) and a clock's (warned, breached) change
# often and fire nothing.
TICKET_COLUMNS = (
    "queue_id", "assignee_id", "type", "channel", "merged_into_id",
    "created_at", "resolved_at", "closed_at",
)
CLOCK_COLUMNS = ("ticket_id", "target", "due_at", "met_at", "used_minutes")
TICKET_CHANGES = ", ".join(TICKET_COLUMNS)
CLOCK_CHANGES = ", ".join(CLOCK_COLUMNS)


def _changed(columns: tuple[str, ...], differ: str) -> str:
    """``OLD.a <differ> NEW.a OR …``: ``IS DISTINCT FROM`` on PostgreSQL, ``IS NOT`` on
    SQLite (both treat two NULLs as equal)."""
    return " OR ".join(f"OLD.{column} {differ} NEW.{column}" for column in columns)


BACKFILL = """
    INSERT INTO report_tickets (id, queue_id, assignee_id, type, channel, merged_into_id,
                                created_at, resolved_at, closed_at,
                                first_due_at, first_met_at, first_minutes,
                                resolution_due_at, resolution_met_at, resolution_minutes)
    SELECT t.id, t.queue_id, t.assignee_id, t.type, t.channel, t.merged_into_id,
           t.created_at, t.resolved_at, t.closed_at,
           f.due_at, f.met_at, f.used_minutes, r.due_at, r.met_at, r.used_minutes
    FROM tickets t
    LEFT JOIN ticket_deadlines f ON f.ticket_id = t.id AND f.target = 'first_response'
    LEFT JOIN ticket_deadlines r ON r.ticket_id = t.id AND r.target = 'resolution'"""

POSTGRES_TRIGGERS = f"""
CREATE FUNCTION report_tickets_from_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {INSERT_TICKET};
    ELSIF TG_OP = 'UPDATE' THEN {UPDATE_TICKET};
    ELSE {DELETE_TICKET};
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION report_tickets_from_clock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({CLOCK_MOVED})) THEN {EMPTY_CLOCK};
    END IF;
    IF TG_OP <> 'DELETE' THEN {SET_CLOCK};
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_tickets_from_ticket
    AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION report_tickets_from_ticket();

CREATE TRIGGER report_tickets_from_ticket_update
    AFTER UPDATE OF {TICKET_CHANGES} ON tickets
    FOR EACH ROW WHEN ({_changed(TICKET_COLUMNS, "IS DISTINCT FROM")})
    EXECUTE FUNCTION report_tickets_from_ticket();

CREATE TRIGGER report_tickets_from_clock
    AFTER INSERT OR DELETE ON ticket_deadlines
    FOR EACH ROW EXECUTE FUNCTION report_tickets_from_clock();

CREATE TRIGGER report_tickets_from_clock_update
    AFTER UPDATE OF {CLOCK_CHANGES} ON ticket_deadlines
    FOR EACH ROW WHEN ({_changed(CLOCK_COLUMNS, "IS DISTINCT FROM")})
    EXECUTE FUNCTION report_tickets_from_clock();
"""
POSTGRES_TRIGGER_TABLES = {
    "report_tickets_from_ticket": "tickets",
    "report_tickets_from_ticket_update": "tickets",
    "report_tickets_from_clock": "ticket_deadlines",
    "report_tickets_from_clock_update": "ticket_deadlines",
}

SQLITE_TRIGGERS = {
    "report_tickets_ticket_insert": f"AFTER INSERT ON tickets BEGIN {INSERT_TICKET}; END",
    "report_tickets_ticket_update": (
        f"AFTER UPDATE OF {TICKET_CHANGES} ON tickets "
        f"WHEN {_changed(TICKET_COLUMNS, 'IS NOT')} BEGIN {UPDATE_TICKET}; END"
    ),
    "report_tickets_ticket_delete": f"AFTER DELETE ON tickets BEGIN {DELETE_TICKET}; END",
    "report_tickets_clock_insert": f"AFTER INSERT ON ticket_deadlines BEGIN {SET_CLOCK}; END",
    "report_tickets_clock_update": (
        f"AFTER UPDATE OF {CLOCK_CHANGES} ON ticket_deadlines "
        f"WHEN {_changed(CLOCK_COLUMNS, 'IS NOT')} BEGIN {EMPTY_CLOCK} AND ({CLOCK_MOVED}); {SET_CLOCK}; END"
    ),
    "report_tickets_clock_delete": f"AFTER DELETE ON ticket_deadlines BEGIN {EMPTY_CLOCK}; END",
}


def upgrade():
    op.create_table(
        'report_tickets',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('first_due_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('first_met_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('first_minutes', sa.Float(), nullable=True),
        sa.Column('resolution_due_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolution_met_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolution_minutes', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_tickets')),
    )
    op.create_index(op.f('ix_report_tickets_created_at'), 'report_tickets', ['created_at'])
    op.create_index(op.f('ix_report_tickets_resolved_at'), 'report_tickets', ['resolved_at'])
    op.create_index(
        'ix_report_tickets_merged',
        'report_tickets',
        ['id'],
        postgresql_where=sa.text('merged_into_id IS NOT NULL'),
        sqlite_where=sa.text('merged_into_id IS NOT NULL'),
    )
    op.execute(BACKFILL)
    # The breach list walks the deadlines from the period's start (figures.breaches).
    op.create_index('ix_ticket_deadlines_due_at', 'ticket_deadlines', ['due_at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGERS)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table in POSTGRES_TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION report_tickets_from_clock()")
        op.execute("DROP FUNCTION report_tickets_from_ticket()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index('ix_ticket_deadlines_due_at', table_name='ticket_deadlines')
    op.drop_index('ix_report_tickets_merged', table_name='report_tickets')
    op.drop_index(op.f('ix_report_tickets_resolved_at'), table_name='report_tickets')
    op.drop_index(op.f('ix_report_tickets_created_at'), table_name='report_tickets')
    op.drop_table('report_tickets')
