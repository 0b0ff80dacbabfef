"""Channel consent: channels the debtor authorised, and the contact rule that requires it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 19:50:00

Colombia (Ley 2300 de 2023) allows reminders only on channels the debtor authorised:
stored Colombian contact rules start requiring consent, like the code's default for CO.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('granted_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_channel_consents_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_consents')),
    sa.UniqueConstraint('contact_id', 'channel', name=op.f('uq_channel_consents_contact_id_channel'))
    )
    with op.batch_alter_table('contact_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_consent', sa.Boolean(), server_default=sa.false(), nullable=False))
    contact_rules = sa.table('contact_rules', sa.column('country', sa.String), sa.column('requires_consent', sa.Boolean))
    op.execute(contact_rules.update().where(contact_rules.c.country == 'CO').values(requires_consent=True))


def downgrade():
    with op.batch_alter_table('contact_rules', schema=None) as batch_op:
        batch_op.drop_column('requires_consent')

    op.drop_table('channel_consents')
