"""activity feed index on the feed's cursor: (amo_id, department_id, txid, id)

A live-feed poll reads a department's events after a (txid, id) cursor. With the index ending in
id, PostgreSQL walked every hot event of the department and filtered them (0.8 ms at demo scale,
growing with the department); ending in (txid, id), the cursor is part of the index condition
and a poll with nothing new reads no row. ``latest`` (newest first by txid, id) uses it too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:30:00.000000
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_feed')
        batch_op.create_index('ix_activity_events_feed', ['amo_id', 'department_id', 'txid', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_feed')
        batch_op.create_index('ix_activity_events_feed', ['amo_id', 'department_id', 'id'], unique=False)
