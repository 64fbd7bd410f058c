"""console slots: the archive console's running queries, so the per-user limit holds across workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_slots',
    sa.Column('user_key', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.String(length=36), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_key', 'slot', name=op.f('pk_console_slots'))
    )


def downgrade() -> None:
    op.drop_table('console_slots')
