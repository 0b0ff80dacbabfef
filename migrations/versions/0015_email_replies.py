"""Email replies from the inbox: who each reply went to, and signatures

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 12:20:00

``messages.recipients`` keeps the To and Cc an agent's reply was sent to (older messages
keep none: they went to the debtor and the ticket's participants). Agents and queues get
a signature for their email replies.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipients', sa.JSON(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('recipients')
