"""reminders: schedules and steps per portfolio, contact rules per country, the send log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:10:21.239966

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('weekly_hours', sa.JSON(), nullable=False),
    sa.Column('skip_holidays', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('max_per_day', sa.Integer(), nullable=True),
    sa.Column('max_per_week', sa.Integer(), nullable=True),
    sa.Column('max_channels_per_week', sa.Integer(), nullable=True),
    sa.Column('updated_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_rules')),
    sa.UniqueConstraint('country', name=op.f('uq_contact_rules_country'))
    )
    op.create_table('reminder_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor', sa.String(length=120), nullable=False),
    sa.Column('portfolio', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_schedules')),
    sa.UniqueConstraint('creditor', 'portfolio', name=op.f('uq_reminder_schedules_creditor_portfolio'))
    )
    op.create_table('reminder_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('template_name', sa.String(length=120), nullable=True),
    sa.Column('template_language', sa.String(length=10), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['reminder_schedules.id'], name=op.f('fk_reminder_steps_schedule_id_reminder_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_steps')),
    sa.UniqueConstraint('schedule_id', 'offset_days', 'channel', name=op.f('uq_reminder_steps_schedule_id_offset_days_channel'))
    )
    with op.batch_alter_table('reminder_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_steps_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('reminder_dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('until', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['collection_accounts.id'], name=op.f('fk_reminder_dispatches_account_id_collection_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['reminder_steps.id'], name=op.f('fk_reminder_dispatches_step_id_reminder_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_dispatches')),
    sa.UniqueConstraint('account_id', 'step_id', 'due_date', name=op.f('uq_reminder_dispatches_account_id_step_id_due_date'))
    )
    with op.batch_alter_table('reminder_dispatches', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_dispatches_account_id_at', ['account_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_dispatches_step_id'), ['step_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reminder_dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_dispatches_step_id'))
        batch_op.drop_index('ix_reminder_dispatches_account_id_at')

    op.drop_table('reminder_dispatches')
    with op.batch_alter_table('reminder_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_steps_schedule_id'))

    op.drop_table('reminder_steps')
    op.drop_table('reminder_schedules')
    op.drop_table('contact_rules')
