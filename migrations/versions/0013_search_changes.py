"""Search: the change log, and the documents PostgreSQL full-text search reads

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:10:00

Written in the transaction that changes a ticket, drained by the search queue's job, so
a crash between a commit and its indexing job loses nothing. Existing tickets are all
queued once, so the first job (or `helpdesk search reindex`) indexes them.

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as postgresql_types

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        # Spanish stems over unaccented words: "aclaracion" finds "aclaración".
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION aclara (COPY = spanish)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION aclara ALTER MAPPING FOR hword, hword_part, word"
            " WITH unaccent, spanish_stem"
        )
    array = (
        postgresql_types.ARRAY(sa.String()) if postgresql else sa.JSON()
    )
    op.create_table(
        'search_documents',
        sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('document', postgresql_types.TSVECTOR() if postgresql else sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('folio', sa.String(length=32), nullable=False),
        sa.Column('emails', array, nullable=False),
        sa.Column('phones', array, nullable=False),
        sa.Column('accounts', array, nullable=False),
        sa.Column('tags', array, nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('activity_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_folio', ['folio'], unique=False)
        for column in ('document', 'emails', 'phones', 'accounts'):
            batch_op.create_index(
                f'ix_search_documents_{column}', [column], unique=False, postgresql_using='gin'
            )
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
    op.drop_table('search_documents')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS aclara")
