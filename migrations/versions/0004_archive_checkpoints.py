"""archive checkpoints: the hash of each archive-wide checkpoint, kept outside the archive

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 01:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('archive_checkpoints',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('archive_url', sa.Text(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_checkpoints'))
    )


def downgrade() -> None:
    op.drop_table('archive_checkpoints')
