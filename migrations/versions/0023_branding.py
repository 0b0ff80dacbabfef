"""Branding: the names, logo, colours, legal notice and privacy link debtors see

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 20:30:00

One row (id 1) kept by admins; without it the portal, the acuse and the emails show
HELPDESK_AGENCY_NAME and the default colours, as before.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'branding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('display_name', sa.String(length=120), nullable=False),
        sa.Column('legal_name', sa.String(length=200), nullable=True),
        sa.Column('primary_color', sa.String(length=7), nullable=False),
        sa.Column('accent_color', sa.String(length=7), nullable=False),
        sa.Column('legal_notice', sa.String(length=600), nullable=True),
        sa.Column('privacy_url', sa.String(length=500), nullable=True),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_type', sa.String(length=40), nullable=True),
        sa.Column('updated_at', helpdesk.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_branding')),
    )


def downgrade():
    op.drop_table('branding')
