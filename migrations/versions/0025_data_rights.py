"""Data-rights requests and data exports; SLA policies chosen by a ticket's tag

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 20:30:00

``data_rights_requests`` is one row per data-rights ticket a debtor opened from the
portal: which right (access, rectification, opposition), under which country's law, the
legal-basis tag that chose its SLA policy and the particulars. ``data_exports`` is one
copy of a contact's data made by a job, with its progress, the JSON and PDF in the
attachment store and when it was delivered to the portal. ``sla_policies.tag`` lets a
policy apply only to tickets carrying a tag (the legal deadline depends on the country
and the right); the unique key of a policy takes the tag in.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag', sa.String(length=60), nullable=True))
        batch_op.drop_constraint('uq_sla_policies_queue_id_priority_ticket_type', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_sla_policies_queue_id_priority_ticket_type_tag'),
            ['queue_id', 'priority', 'ticket_type', 'tag'],
        )

    op.create_table(
        'data_rights_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('legal_basis', sa.String(length=60), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_data_rights_requests_contact_id_contacts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_data_rights_requests_ticket_id_tickets'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_rights_requests')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_data_rights_requests_ticket_id')),
    )
    with op.batch_alter_table('data_rights_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_rights_requests_contact_id'), ['contact_id'], unique=False)

    op.create_table(
        'data_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('messages_done', sa.Integer(), nullable=False),
        sa.Column('messages_total', sa.Integer(), nullable=False),
        sa.Column('json_sha256', sa.String(length=64), nullable=True),
        sa.Column('json_size', sa.BigInteger(), nullable=True),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
        sa.Column('pdf_size', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_data_exports_contact_id_contacts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_data_exports_requested_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_data_exports_ticket_id_tickets'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_data_exports_contact_id'))
    op.drop_table('data_exports')
    with op.batch_alter_table('data_rights_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_rights_requests_contact_id'))
    op.drop_table('data_rights_requests')
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sla_policies_queue_id_priority_ticket_type_tag', type_='unique')
        batch_op.create_unique_constraint(
            'uq_sla_policies_queue_id_priority_ticket_type',
            ['queue_id', 'priority', 'ticket_type'],
        )
        batch_op.drop_column('tag')
