"""Inbox views: saved filter sets, what each person has read, keyset indexes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 17:30:00

``saved_views`` keeps a person's (or a shared) filter set as the list's query string;
``ticket_reads`` the newest message each staff member has seen of a ticket, for the
list's unread marker. Three indexes let every view page by latest activity without
sorting the whole table; two partial ones serve "SLA at risk" (clocks still due, soonest
first) and "collection paused" (open holds by ticket); one finds a debtor's latest
WhatsApp message (the 24-hour window the ticket page shows) without reading them all.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('shared', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_views_owner_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_views_owner_id'), ['owner_id'], unique=False)
    op.create_table(
        'ticket_reads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('seen_message_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_reads_ticket_id_tickets'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_reads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'ticket_id', name=op.f('pk_ticket_reads')),
    )
    with op.batch_alter_table('ticket_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_reads_ticket_id'), ['ticket_id'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_last_activity_at_id', ['last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_assignee_id_last_activity_at', ['assignee_id', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_tickets_queue_id_last_activity_at', ['queue_id', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_tickets_type_status', ['type', 'status'], unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(
            'ix_messages_author_contact_id_channel_created_at',
            ['author_contact_id', 'channel', 'created_at'], unique=False,
        )
    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ticket_deadlines_open_due_at', ['due_at', 'ticket_id'], unique=False,
            postgresql_where=sa.text('met_at IS NULL AND paused_since IS NULL'),
            sqlite_where=sa.text('met_at IS NULL AND paused_since IS NULL'),
        )
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.create_index(
            'ix_holds_open_ticket_id', ['ticket_id'], unique=False,
            postgresql_where=sa.text('closed_at IS NULL'),
            sqlite_where=sa.text('closed_at IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_author_contact_id_channel_created_at')
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_index('ix_holds_open_ticket_id')
    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_deadlines_open_due_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_type_status')
        batch_op.drop_index('ix_tickets_queue_id_last_activity_at')
        batch_op.drop_index('ix_tickets_assignee_id_last_activity_at')
        batch_op.drop_index('ix_tickets_last_activity_at_id')
    op.drop_table('ticket_reads')
    op.drop_table('saved_views')
