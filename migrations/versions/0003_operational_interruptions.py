"""operational interruptions: the operator's technical delays and cancellations by ATA chapter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('operational_interruptions',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('aircraft_id', BigId, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ata_chapter', sa.String(length=2), nullable=False),
    sa.Column('delay_minutes', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', BigId, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', BigId, nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', BigId, nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_operational_interruptions_aircraft_id_aircraft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operational_interruptions'))
    )
    with op.batch_alter_table('operational_interruptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operational_interruptions_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operational_interruptions_change_txid'), ['change_txid'], unique=False)

    # The change cursor, as 0001 gives every mutable table (DESIGN.md "Extraction cursor").
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE TRIGGER operational_interruptions_change_txid
                      BEFORE INSERT OR UPDATE ON operational_interruptions
                      FOR EACH ROW EXECUTE FUNCTION amoscope_set_change_txid()""")
    else:
        next_value = "(SELECT coalesce(max(change_txid), 0) + 1 FROM operational_interruptions)"
        op.execute(f"""CREATE TRIGGER operational_interruptions_change_txid_insert
                       AFTER INSERT ON operational_interruptions
                       BEGIN UPDATE operational_interruptions SET change_txid = {next_value}
                             WHERE rowid = NEW.rowid; END""")
        op.execute(f"""CREATE TRIGGER operational_interruptions_change_txid_update
                       AFTER UPDATE ON operational_interruptions WHEN NEW.change_txid = OLD.change_txid
                       BEGIN UPDATE operational_interruptions SET change_txid = {next_value}
                             WHERE rowid = NEW.rowid; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER operational_interruptions_change_txid ON operational_interruptions")
    else:
        op.execute("DROP TRIGGER operational_interruptions_change_txid_insert")
        op.execute("DROP TRIGGER operational_interruptions_change_txid_update")
    with op.batch_alter_table('operational_interruptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operational_interruptions_change_txid'))
        batch_op.drop_index(batch_op.f('ix_operational_interruptions_aircraft_id'))

    op.drop_table('operational_interruptions')
