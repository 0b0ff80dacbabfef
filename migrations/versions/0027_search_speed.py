"""Search: tags in the text, an index for the latest matches and one for tags

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 21:20:00

A free word that is only letters is looked up in the text alone (tags are now part of
it, on both backends), so PostgreSQL's statistics for the tsvector decide the plan: the
activity index walked backwards for a common word (the latest thousand matches), the GIN
index for a rare one. ``tags`` gets the GIN index the other arrays had (without it a word
OR'ed with the tags read every row). Every ticket is queued for indexing again, so the
tags reach the text; the search job catches up batch by batch while searches go on.

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_tags', ['tags'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_activity_at', ['activity_at'], unique=False)
    op.execute(
        "INSERT INTO search_changes (ticket_id, changed_at)"
        " SELECT id, updated_at FROM tickets"
        " WHERE id NOT IN (SELECT ticket_id FROM search_changes)"
    )


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_activity_at')
        batch_op.drop_index('ix_search_documents_tags')
