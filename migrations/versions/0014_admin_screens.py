"""Admin screens: archived queues, named tags, single-use password reset links

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 12:00:00

An admin sets up an organisation from the screen: a queue can be archived (kept with its
history, routing nothing new), tags exist before any ticket carries them, and a password
is reset through an emailed link whose token is stored only as a hash.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )

    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('superseded_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    # The audit log page filters by who acted, newest first.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor_user_id', ['actor_user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_user_id')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))
    op.drop_table('password_resets')
    op.drop_table('tags')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
