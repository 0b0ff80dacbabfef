"""The search change log: tickets whose searchable content changed, not indexed yet

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:10:00

Written in the transaction that changes a ticket, drained by the search queue's job, so
a crash between a commit and its indexing job loses nothing. Existing tickets are all
queued once, so the first job (or `helpdesk search reindex`) indexes them.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_changes',
        sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('changed_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    op.execute(
        "INSERT INTO search_changes (ticket_id, changed_at) SELECT id, updated_at FROM tickets"
    )


def downgrade():
    op.drop_table('search_changes')
