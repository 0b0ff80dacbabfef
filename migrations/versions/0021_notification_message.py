"""Notices of a mention point at the note that mentions

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 17:20:00

A ``mention`` notice reads "Ana Pérez mentioned you on ABC-2026-000123: «…»" and links to
the note: the note's author and text are read from ``messages`` through this column.
Indexed for the ON DELETE CASCADE of a message.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_message_id'), ['message_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_message_id_messages'),
            'messages', ['message_id'], ['id'], ondelete='CASCADE',
        )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_message_id_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_message_id'))
        batch_op.drop_column('message_id')
