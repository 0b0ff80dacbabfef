"""Deadlines keep the figures the SLA report needs

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 14:00:00

``used_minutes``: how long a met target took, counted like its budget (business time for
business targets) without its pauses, so the report's median and 90th percentile are one
SQL aggregate instead of a calendar walk per ticket. ``breach_assignee_id``: who held the
ticket when its deadline was crossed (the breach list names them). Rows met before this
revision get ``used_minutes`` on their next recompute (``helpdesk sla recompute``).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_minutes', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('breach_assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_ticket_deadlines_breach_assignee_id_users'),
            'users', ['breach_assignee_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_ticket_deadlines_breach_assignee_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('breach_assignee_id')
        batch_op.drop_column('used_minutes')
