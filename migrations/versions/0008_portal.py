"""Debtor portal: one-time sign-in codes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:20:00

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_used', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_portal_codes_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_codes'))
    )
    with op.batch_alter_table('portal_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_codes_contact_id'), ['contact_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_codes_contact_id'))

    op.drop_table('portal_codes')
