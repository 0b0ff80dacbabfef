"""Portal sign-in from where the debtor is: magic links in reminders and replies

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 20:20:00

``magic_links`` holds one row per link sent in a reminder or an agent's reply: the
contact it signs in, a keyed hash of its token (never the token), what sent it, when it
expires (72 hours) and when it was used (once).

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'magic_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('created_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_magic_links_contact_id_contacts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_magic_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_magic_links_token_hash')),
    )
    with op.batch_alter_table('magic_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_magic_links_contact_id'), ['contact_id'], unique=False)


def downgrade():
    with op.batch_alter_table('magic_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_magic_links_contact_id'))
    op.drop_table('magic_links')
