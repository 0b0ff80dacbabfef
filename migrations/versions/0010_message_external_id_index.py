"""Index messages by external id alone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:15:00

Threading looks messages up by the Message-IDs a mail names, whatever channel stored
them (a portal ticket's reply goes out by email). The unique (channel, external_id)
index cannot serve ``external_id IN (...)`` without the channel, so every mail group
scanned the whole messages table.

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_external_id'), ['external_id'], unique=False)


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_external_id'))
