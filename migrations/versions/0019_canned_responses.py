"""Canned responses

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 15:00:00

Saved answers agents insert into a reply: shared ones (owner NULL, kept by admins) and
each agent's own, for every queue or one, in Spanish or English.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'canned_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_canned_responses_owner_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_canned_responses_queue_id_queues'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_responses')),
    )
    with op.batch_alter_table('canned_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_responses_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_canned_responses_queue_id'), ['queue_id'], unique=False)


def downgrade():
    op.drop_table('canned_responses')
