"""Contacts: a date of birth, the portal's second identifying fact

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 23:55:00

``contacts.birth_date`` (nullable) is filled by the accounts import and the API, and is
asked, with an account number or folio, by the portal sign-in for creditors configured
with "birth_date" in ``PORTAL_IDENTIFYING_FACTS``. A contact without one never matches.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('birth_date')
