"""Outgoing messages record what must still happen to them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 11:40:00

Without Redis the send jobs lived in process memory: a crash lost every message not yet
sent, and nothing looked at ``queued`` messages again. ``delivery_due_at`` says when the
delivery sweep must act on a message (a ``queued`` one: send it; a ``sending`` one: its
claim has lapsed), ``delivery_attempts`` counts the claims (and fences a stale claimer
out) and ``delivery_handed_over_at`` says the message may have reached the server, so a
crash after it is never resent blindly. Messages already queued become due now.

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.db


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_due_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('delivery_attempts', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('delivery_handed_over_at', helpdesk.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_messages_delivery_due_at'), ['delivery_due_at'], unique=False
        )
    op.execute(
        "UPDATE messages SET delivery_due_at = created_at "
        "WHERE delivery_status = 'queued' AND direction = 'out' "
        "AND channel IN ('email', 'whatsapp')"
    )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_delivery_due_at'))
        batch_op.drop_column('delivery_handed_over_at')
        batch_op.drop_column('delivery_attempts')
        batch_op.drop_column('delivery_due_at')
