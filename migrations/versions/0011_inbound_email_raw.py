"""Inbound emails keep their raw bytes in the row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:40:00

The raw message is written with its row, in the transaction that records the ticket
change, instead of as a file beforehand. Rows from before keep theirs in the file store
(``raw`` stays empty and readers fall back to the file named by ``sha256``).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.drop_column('raw')
