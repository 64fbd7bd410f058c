"""hazard register: the SMS's standing risks, reviewed on an interval, with their change cursor

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TXID = "pg_current_xact_id()::text::bigint"


def upgrade() -> None:
    op.create_table('hazards',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('amo_id', BigId, nullable=False),
    sa.Column('hazard_no', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department_id', BigId, nullable=False),
    sa.Column('owner_user_id', BigId, nullable=True),
    sa.Column('source_report_id', BigId, nullable=True),
    sa.Column('identified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('severity', sa.SmallInteger(), nullable=False),
    sa.Column('likelihood', sa.SmallInteger(), nullable=False),
    sa.Column('risk_index', sa.SmallInteger(), nullable=False),
    sa.Column('tolerability', sa.String(length=16), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=True),
    sa.Column('review_interval_days', sa.Integer(), nullable=False),
    sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_review_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', BigId, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', BigId, nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', BigId, nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_hazards_amo_id_amos')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_hazards_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_hazards_owner_user_id_users')),
    sa.ForeignKeyConstraint(['source_report_id'], ['safety_reports.id'], name=op.f('fk_hazards_source_report_id_safety_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards')),
    sa.UniqueConstraint('hazard_no', name=op.f('uq_hazards_hazard_no'))
    )
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazards_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_source_report_id'), ['source_report_id'], unique=False)

    # The change cursor, as 0001 gives every mutable table (DESIGN.md "Extraction cursor").
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE TRIGGER hazards_change_txid BEFORE INSERT OR UPDATE ON hazards
                      FOR EACH ROW EXECUTE FUNCTION amoscope_set_change_txid()""")
    else:
        next_value = "(SELECT coalesce(max(change_txid), 0) + 1 FROM hazards)"
        op.execute(f"""CREATE TRIGGER hazards_change_txid_insert AFTER INSERT ON hazards
                       BEGIN UPDATE hazards SET change_txid = {next_value} WHERE rowid = NEW.rowid; END""")
        op.execute(f"""CREATE TRIGGER hazards_change_txid_update AFTER UPDATE ON hazards
                       WHEN NEW.change_txid = OLD.change_txid
                       BEGIN UPDATE hazards SET change_txid = {next_value} WHERE rowid = NEW.rowid; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER hazards_change_txid ON hazards")
    else:
        op.execute("DROP TRIGGER hazards_change_txid_insert")
        op.execute("DROP TRIGGER hazards_change_txid_update")
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazards_source_report_id'))
        batch_op.drop_index(batch_op.f('ix_hazards_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_hazards_department_id'))
        batch_op.drop_index(batch_op.f('ix_hazards_change_txid'))
        batch_op.drop_index(batch_op.f('ix_hazards_amo_id'))

    op.drop_table('hazards')
