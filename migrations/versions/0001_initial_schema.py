"""initial schema: every table of the operational database, cursors and append-only guards

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:11:09.749051
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('amos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('approval_ref', sa.Text(), nullable=True),
    sa.Column('regime', sa.String(length=8), server_default='EASA', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amos')),
    sa.UniqueConstraint('code', name=op.f('uq_amos_code'))
    )
    with op.batch_alter_table('amos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amos_change_txid'), ['change_txid'], unique=False)

    op.create_table('directives',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ref_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('authority', sa.String(length=8), nullable=False),
    sa.Column('revision', sa.String(length=8), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('ata_chapter', sa.String(length=2), nullable=False),
    sa.Column('is_recurring', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('interval_fh', sa.Float(), nullable=True),
    sa.Column('interval_fc', sa.Integer(), nullable=True),
    sa.Column('interval_days', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['supersedes_id'], ['directives.id'], name=op.f('fk_directives_supersedes_id_directives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directives')),
    sa.UniqueConstraint('ref_no', 'revision', name=op.f('uq_directives_ref_no_revision'))
    )
    with op.batch_alter_table('directives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directives_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_directives_supersedes_id'), ['supersedes_id'], unique=False)

    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account_key', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('path', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_account_key'), ['account_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_ip'), ['ip'], unique=False)

    op.create_table('roles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('code', name=op.f('uq_roles_code'))
    )
    op.create_table('activity_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=True),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_activity_events_amo_id_amos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_activity_events_event_id'))
    )
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_events_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index('ix_activity_events_cursor', ['txid', 'id'], unique=False)
        batch_op.create_index('ix_activity_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index('ix_activity_events_feed', ['amo_id', 'department_id', 'id'], unique=False)

    op.create_table('aircraft',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('registration', sa.String(length=16), nullable=False),
    sa.Column('msn', sa.String(length=16), nullable=False),
    sa.Column('type_model', sa.String(length=32), nullable=False),
    sa.Column('customer_operator', sa.Text(), nullable=False),
    sa.Column('base', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tsn_fh', sa.Float(), nullable=False),
    sa.Column('csn_fc', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_aircraft_amo_id_amos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aircraft')),
    sa.UniqueConstraint('registration', name=op.f('uq_aircraft_registration'))
    )
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aircraft_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aircraft_change_txid'), ['change_txid'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=True),
    sa.Column('on_behalf_of', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('auth_method', sa.String(length=16), nullable=True),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.Text(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), server_default='SUCCESS', nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=True),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('entity_version', sa.Integer(), nullable=True),
    sa.Column('workflow_phase', sa.String(length=24), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('changed_fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('signature_meaning', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_audit_events_amo_id_amos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_audit_events_event_id'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index('ix_audit_events_cursor', ['txid', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_events_occurred_at', ['occurred_at'], unique=False)

    op.create_table('departments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('head_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_departments_amo_id_amos')),
    sa.ForeignKeyConstraint(['parent_id'], ['departments.id'], name=op.f('fk_departments_parent_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('amo_id', 'code', name=op.f('uq_departments_amo_id_code'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_departments_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_departments_parent_id'), ['parent_id'], unique=False)

    op.create_table('aircraft_utilisation',
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('fh', sa.Float(), nullable=False),
    sa.Column('fc', sa.Integer(), nullable=False),
    sa.Column('departures', sa.Integer(), nullable=False),
    sa.Column('tech_delays_15m', sa.Integer(), nullable=False),
    sa.Column('tech_cancellations', sa.Integer(), nullable=False),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_aircraft_utilisation_aircraft_id_aircraft')),
    sa.PrimaryKeyConstraint('aircraft_id', 'day', name=op.f('pk_aircraft_utilisation'))
    )
    with op.batch_alter_table('aircraft_utilisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aircraft_utilisation_change_txid'), ['change_txid'], unique=False)

    op.create_table('components',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('part_no', sa.String(length=32), nullable=False),
    sa.Column('serial_no', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('ata_chapter', sa.String(length=2), nullable=False),
    sa.Column('qpa', sa.Integer(), server_default='1', nullable=False),
    sa.Column('is_llp', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('life_limit_fh', sa.Float(), nullable=True),
    sa.Column('life_limit_fc', sa.Integer(), nullable=True),
    sa.Column('life_limit_days', sa.Integer(), nullable=True),
    sa.Column('tsn', sa.Float(), server_default='0', nullable=False),
    sa.Column('csn', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tso', sa.Float(), nullable=True),
    sa.Column('cso', sa.Integer(), nullable=True),
    sa.Column('installed_aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('position', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['installed_aircraft_id'], ['aircraft.id'], name=op.f('fk_components_installed_aircraft_id_aircraft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_components')),
    sa.UniqueConstraint('part_no', 'serial_no', name=op.f('uq_components_part_no_serial_no'))
    )
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_components_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_components_installed_aircraft_id'), ['installed_aircraft_id'], unique=False)

    op.create_table('tools',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tool_no', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('serial_no', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('crib_location', sa.String(length=16), nullable=False),
    sa.Column('is_calibrated', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('calibration_interval_days', sa.Integer(), nullable=True),
    sa.Column('last_calibrated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lost_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_personal', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_tools_amo_id_amos')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_tools_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tools')),
    sa.UniqueConstraint('tool_no', name=op.f('uq_tools_tool_no'))
    )
    with op.batch_alter_table('tools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tools_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tools_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_tools_department_id'), ['department_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=True),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('job_title', sa.Text(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mfa_enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_users_amo_id_amos')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_users_department_id_departments')),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_users_role_id_roles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role_id'), ['role_id'], unique=False)

    op.create_table('audits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('audit_no', sa.String(length=32), nullable=False),
    sa.Column('audit_type', sa.String(length=16), nullable=False),
    sa.Column('is_unannounced', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('is_night', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('regulation_refs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('auditee_department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('lead_auditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('performed_date', sa.Date(), nullable=True),
    sa.Column('report_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_audits_amo_id_amos')),
    sa.ForeignKeyConstraint(['auditee_department_id'], ['departments.id'], name=op.f('fk_audits_auditee_department_id_departments')),
    sa.ForeignKeyConstraint(['lead_auditor_id'], ['users.id'], name=op.f('fk_audits_lead_auditor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audits')),
    sa.UniqueConstraint('audit_no', name=op.f('uq_audits_audit_no'))
    )
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audits_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_auditee_department_id'), ['auditee_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_lead_auditor_id'), ['lead_auditor_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('password_reset_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invalidated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('requested_ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash'))
    )
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('scheduled_actions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default='{}', nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='PENDING', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_scheduled_actions_amo_id_amos')),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_scheduled_actions_target_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_actions'))
    )
    with op.batch_alter_table('scheduled_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_actions_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_actions_run_at'), ['run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_actions_target_user_id'), ['target_user_id'], unique=False)

    op.create_table('staff_authorisations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('auth_type', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('licence_no', sa.String(length=64), nullable=True),
    sa.Column('issued_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_experience_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspension_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_authorisations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_authorisations'))
    )
    with op.batch_alter_table('staff_authorisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_authorisations_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_authorisations_user_id'), ['user_id'], unique=False)

    op.create_table('stock_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('part_no', sa.String(length=32), nullable=False),
    sa.Column('serial_no', sa.String(length=32), nullable=True),
    sa.Column('batch_no', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('qty', sa.Float(), nullable=False),
    sa.Column('uom', sa.String(length=8), nullable=False),
    sa.Column('location_code', sa.String(length=16), nullable=False),
    sa.Column('store_type', sa.String(length=16), nullable=False),
    sa.Column('condition', sa.String(length=16), nullable=False),
    sa.Column('certificate_type', sa.String(length=16), nullable=False),
    sa.Column('certificate_ref', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receiving_inspection_status', sa.String(length=16), nullable=False),
    sa.Column('shelf_life_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('quarantine_reason', sa.Text(), nullable=True),
    sa.Column('quarantined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_stock_items_amo_id_amos')),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_stock_items_component_id_components')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_items'))
    )
    with op.batch_alter_table('stock_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_items_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_items_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_items_component_id'), ['component_id'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('course_code', sa.String(length=32), nullable=False),
    sa.Column('course_type', sa.String(length=16), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.Text(), nullable=True),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_records_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_user_id'), ['user_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session_key_hash', sa.String(length=64), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('session_key_hash', name=op.f('uq_user_sessions_session_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('wo_no', sa.String(length=32), nullable=False),
    sa.Column('wo_type', sa.String(length=16), nullable=False),
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('customer', sa.Text(), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_mh', sa.Float(), nullable=False),
    sa.Column('actual_mh', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('crs_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('crs_signed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_work_orders_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_work_orders_amo_id_amos')),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_work_orders_component_id_components')),
    sa.ForeignKeyConstraint(['crs_signed_by'], ['users.id'], name=op.f('fk_work_orders_crs_signed_by_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_work_orders_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('wo_no', name=op.f('uq_work_orders_wo_no'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_crs_signed_by'), ['crs_signed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_department_id'), ['department_id'], unique=False)

    op.create_table('directive_compliance',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('directive_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('applicability', sa.String(length=16), nullable=False),
    sa.Column('na_reason', sa.Text(), nullable=True),
    sa.Column('method_of_compliance', sa.Text(), nullable=True),
    sa.Column('last_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_done_fh', sa.Float(), nullable=True),
    sa.Column('last_done_fc', sa.Integer(), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_due_fh', sa.Float(), nullable=True),
    sa.Column('next_due_fc', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence_work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_directive_compliance_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_directive_compliance_component_id_components')),
    sa.ForeignKeyConstraint(['directive_id'], ['directives.id'], name=op.f('fk_directive_compliance_directive_id_directives')),
    sa.ForeignKeyConstraint(['evidence_work_order_id'], ['work_orders.id'], name=op.f('fk_directive_compliance_evidence_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directive_compliance'))
    )
    with op.batch_alter_table('directive_compliance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directive_compliance_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directive_compliance_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_directive_compliance_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directive_compliance_directive_id'), ['directive_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directive_compliance_evidence_work_order_id'), ['evidence_work_order_id'], unique=False)

    op.create_table('safety_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reporter_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('is_confidential', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ata_chapter', sa.String(length=2), nullable=True),
    sa.Column('occurrence_category', sa.String(length=16), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_mor', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('mor_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_sdr', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('sdr_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('severity', sa.SmallInteger(), nullable=True),
    sa.Column('likelihood', sa.SmallInteger(), nullable=True),
    sa.Column('risk_index', sa.SmallInteger(), nullable=True),
    sa.Column('tolerability', sa.String(length=16), nullable=True),
    sa.Column('investigation_method', sa.String(length=16), nullable=True),
    sa.Column('investigation_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contributing_factors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_safety_reports_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_safety_reports_amo_id_amos')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_safety_reports_department_id_departments')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['users.id'], name=op.f('fk_safety_reports_reporter_user_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_safety_reports_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_reports')),
    sa.UniqueConstraint('report_no', name=op.f('uq_safety_reports_report_no'))
    )
    with op.batch_alter_table('safety_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_reports_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_reporter_user_id'), ['reporter_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('task_cards',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('card_no', sa.String(length=32), nullable=False),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('card_type', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=32), nullable=True),
    sa.Column('ata_chapter', sa.String(length=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('planned_mh', sa.Float(), nullable=False),
    sa.Column('actual_mh', sa.Float(), nullable=True),
    sa.Column('requires_independent_inspection', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('performed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('inspected_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['inspected_by'], ['users.id'], name=op.f('fk_task_cards_inspected_by_users')),
    sa.ForeignKeyConstraint(['performed_by'], ['users.id'], name=op.f('fk_task_cards_performed_by_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_task_cards_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_cards')),
    sa.UniqueConstraint('card_no', name=op.f('uq_task_cards_card_no'))
    )
    with op.batch_alter_table('task_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_cards_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_cards_inspected_by'), ['inspected_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_cards_performed_by'), ['performed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_cards_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('defects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('defect_no', sa.String(length=32), nullable=False),
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_fh', sa.Float(), nullable=True),
    sa.Column('ata_chapter', sa.String(length=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_deferred', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('mel_ref', sa.String(length=32), nullable=True),
    sa.Column('mel_category', sa.String(length=1), nullable=True),
    sa.Column('deferral_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deferral_limit_fh', sa.Float(), nullable=True),
    sa.Column('deferral_limit_fc', sa.Integer(), nullable=True),
    sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectification_task_card_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('repeat_group_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_defects_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['rectification_task_card_id'], ['task_cards.id'], name=op.f('fk_defects_rectification_task_card_id_task_cards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defects')),
    sa.UniqueConstraint('defect_no', name=op.f('uq_defects_defect_no'))
    )
    with op.batch_alter_table('defects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_defects_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_defects_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_defects_rectification_task_card_id'), ['rectification_task_card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_defects_repeat_group_id'), ['repeat_group_id'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('finding_no', sa.String(length=32), nullable=False),
    sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('safety_report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('regulation_ref', sa.String(length=32), nullable=False),
    sa.Column('moe_ref', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repeat_of_finding_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_findings_amo_id_amos')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_findings_audit_id_audits')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_findings_department_id_departments')),
    sa.ForeignKeyConstraint(['raised_by'], ['users.id'], name=op.f('fk_findings_raised_by_users')),
    sa.ForeignKeyConstraint(['repeat_of_finding_id'], ['findings.id'], name=op.f('fk_findings_repeat_of_finding_id_findings')),
    sa.ForeignKeyConstraint(['safety_report_id'], ['safety_reports.id'], name=op.f('fk_findings_safety_report_id_safety_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings')),
    sa.UniqueConstraint('finding_no', name=op.f('uq_findings_finding_no'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_raised_by'), ['raised_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_repeat_of_finding_id'), ['repeat_of_finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_safety_report_id'), ['safety_report_id'], unique=False)

    op.create_table('part_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('stock_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('movement_type', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.Float(), nullable=False),
    sa.Column('from_location', sa.String(length=16), nullable=True),
    sa.Column('to_location', sa.String(length=16), nullable=True),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('task_card_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('performed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['performed_by'], ['users.id'], name=op.f('fk_part_movements_performed_by_users')),
    sa.ForeignKeyConstraint(['stock_item_id'], ['stock_items.id'], name=op.f('fk_part_movements_stock_item_id_stock_items')),
    sa.ForeignKeyConstraint(['task_card_id'], ['task_cards.id'], name=op.f('fk_part_movements_task_card_id_task_cards')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_part_movements_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_movements'))
    )
    with op.batch_alter_table('part_movements', schema=None) as batch_op:
        batch_op.create_index('ix_part_movements_cursor', ['txid', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_movements_performed_by'), ['performed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_movements_stock_item_id'), ['stock_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_movements_task_card_id'), ['task_card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_movements_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('tool_usage',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('tool_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_card_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('usage_kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('check_out_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['check_out_id'], ['tool_usage.id'], name=op.f('fk_tool_usage_check_out_id_tool_usage')),
    sa.ForeignKeyConstraint(['task_card_id'], ['task_cards.id'], name=op.f('fk_tool_usage_task_card_id_task_cards')),
    sa.ForeignKeyConstraint(['tool_id'], ['tools.id'], name=op.f('fk_tool_usage_tool_id_tools')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tool_usage_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_usage'))
    )
    with op.batch_alter_table('tool_usage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_usage_check_out_id'), ['check_out_id'], unique=False)
        batch_op.create_index('ix_tool_usage_cursor', ['txid', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_usage_task_card_id'), ['task_card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_usage_tool_id'), ['tool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_usage_user_id'), ['user_id'], unique=False)

    op.create_table('cars',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('amo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('car_no', sa.String(length=32), nullable=False),
    sa.Column('finding_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('immediate_action', sa.Text(), nullable=True),
    sa.Column('root_cause_category', sa.String(length=24), nullable=True),
    sa.Column('root_cause_text', sa.Text(), nullable=True),
    sa.Column('corrective_action', sa.Text(), nullable=True),
    sa.Column('preventive_action', sa.Text(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('extended_due_date', sa.Date(), nullable=True),
    sa.Column('extension_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cap_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cap_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('implemented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effectiveness_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effectiveness_result', sa.String(length=16), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['amo_id'], ['amos.id'], name=op.f('fk_cars_amo_id_amos')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_cars_department_id_departments')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_cars_finding_id_findings')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_cars_owner_user_id_users')),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_cars_verified_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cars')),
    sa.UniqueConstraint('car_no', name=op.f('uq_cars_car_no'))
    )
    with op.batch_alter_table('cars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cars_amo_id'), ['amo_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cars_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_cars_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cars_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cars_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cars_verified_by'), ['verified_by'], unique=False)

    op.create_table('component_removals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('aircraft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('aircraft_fh_at_removal', sa.Float(), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('is_unscheduled', sa.Boolean(), nullable=False),
    sa.Column('shop_finding', sa.String(length=16), nullable=False),
    sa.Column('defect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('replaced_by_component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_component_removals_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_component_removals_component_id_components')),
    sa.ForeignKeyConstraint(['defect_id'], ['defects.id'], name=op.f('fk_component_removals_defect_id_defects')),
    sa.ForeignKeyConstraint(['replaced_by_component_id'], ['components.id'], name=op.f('fk_component_removals_replaced_by_component_id_components')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_component_removals_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component_removals'))
    )
    with op.batch_alter_table('component_removals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_component_removals_aircraft_id'), ['aircraft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_removals_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_removals_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_removals_defect_id'), ['defect_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_removals_replaced_by_component_id'), ['replaced_by_component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_removals_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('tool_calibrations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tool_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('calibrated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lab', sa.Text(), nullable=False),
    sa.Column('certificate_no', sa.String(length=32), nullable=False),
    sa.Column('as_found', sa.String(length=16), nullable=False),
    sa.Column('as_left', sa.String(length=16), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recall_review_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['recall_review_id'], ['findings.id'], name=op.f('fk_tool_calibrations_recall_review_id_findings')),
    sa.ForeignKeyConstraint(['tool_id'], ['tools.id'], name=op.f('fk_tool_calibrations_tool_id_tools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_calibrations'))
    )
    with op.batch_alter_table('tool_calibrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_calibrations_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_calibrations_recall_review_id'), ['recall_review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_calibrations_tool_id'), ['tool_id'], unique=False)

    op.create_table('car_attachments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('car_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('media_type', sa.String(length=128), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_uri', sa.Text(), nullable=False),
    sa.Column('uploaded_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verify_status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('change_txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['car_id'], ['cars.id'], name=op.f('fk_car_attachments_car_id_cars')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_car_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_car_attachments'))
    )
    with op.batch_alter_table('car_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_car_attachments_car_id'), ['car_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_car_attachments_change_txid'), ['change_txid'], unique=False)
        batch_op.create_index(batch_op.f('ix_car_attachments_uploaded_by'), ['uploaded_by'], unique=False)


    _create_cursor_ddl()


def downgrade() -> None:
    _drop_cursor_ddl()
    with op.batch_alter_table('car_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_car_attachments_uploaded_by'))
        batch_op.drop_index(batch_op.f('ix_car_attachments_change_txid'))
        batch_op.drop_index(batch_op.f('ix_car_attachments_car_id'))

    op.drop_table('car_attachments')
    with op.batch_alter_table('tool_calibrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_calibrations_tool_id'))
        batch_op.drop_index(batch_op.f('ix_tool_calibrations_recall_review_id'))
        batch_op.drop_index(batch_op.f('ix_tool_calibrations_change_txid'))

    op.drop_table('tool_calibrations')
    with op.batch_alter_table('component_removals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_component_removals_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_component_removals_replaced_by_component_id'))
        batch_op.drop_index(batch_op.f('ix_component_removals_defect_id'))
        batch_op.drop_index(batch_op.f('ix_component_removals_component_id'))
        batch_op.drop_index(batch_op.f('ix_component_removals_change_txid'))
        batch_op.drop_index(batch_op.f('ix_component_removals_aircraft_id'))

    op.drop_table('component_removals')
    with op.batch_alter_table('cars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cars_verified_by'))
        batch_op.drop_index(batch_op.f('ix_cars_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_cars_finding_id'))
        batch_op.drop_index(batch_op.f('ix_cars_department_id'))
        batch_op.drop_index(batch_op.f('ix_cars_change_txid'))
        batch_op.drop_index(batch_op.f('ix_cars_amo_id'))

    op.drop_table('cars')
    with op.batch_alter_table('tool_usage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_usage_user_id'))
        batch_op.drop_index(batch_op.f('ix_tool_usage_tool_id'))
        batch_op.drop_index(batch_op.f('ix_tool_usage_task_card_id'))
        batch_op.drop_index('ix_tool_usage_cursor')
        batch_op.drop_index(batch_op.f('ix_tool_usage_check_out_id'))

    op.drop_table('tool_usage')
    with op.batch_alter_table('part_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_movements_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_part_movements_task_card_id'))
        batch_op.drop_index(batch_op.f('ix_part_movements_stock_item_id'))
        batch_op.drop_index(batch_op.f('ix_part_movements_performed_by'))
        batch_op.drop_index('ix_part_movements_cursor')

    op.drop_table('part_movements')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_safety_report_id'))
        batch_op.drop_index(batch_op.f('ix_findings_repeat_of_finding_id'))
        batch_op.drop_index(batch_op.f('ix_findings_raised_by'))
        batch_op.drop_index(batch_op.f('ix_findings_department_id'))
        batch_op.drop_index(batch_op.f('ix_findings_change_txid'))
        batch_op.drop_index(batch_op.f('ix_findings_audit_id'))
        batch_op.drop_index(batch_op.f('ix_findings_amo_id'))

    op.drop_table('findings')
    with op.batch_alter_table('defects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_defects_repeat_group_id'))
        batch_op.drop_index(batch_op.f('ix_defects_rectification_task_card_id'))
        batch_op.drop_index(batch_op.f('ix_defects_change_txid'))
        batch_op.drop_index(batch_op.f('ix_defects_aircraft_id'))

    op.drop_table('defects')
    with op.batch_alter_table('task_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_cards_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_task_cards_performed_by'))
        batch_op.drop_index(batch_op.f('ix_task_cards_inspected_by'))
        batch_op.drop_index(batch_op.f('ix_task_cards_change_txid'))

    op.drop_table('task_cards')
    with op.batch_alter_table('safety_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_reports_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_safety_reports_reporter_user_id'))
        batch_op.drop_index(batch_op.f('ix_safety_reports_department_id'))
        batch_op.drop_index(batch_op.f('ix_safety_reports_change_txid'))
        batch_op.drop_index(batch_op.f('ix_safety_reports_amo_id'))
        batch_op.drop_index(batch_op.f('ix_safety_reports_aircraft_id'))

    op.drop_table('safety_reports')
    with op.batch_alter_table('directive_compliance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directive_compliance_evidence_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_directive_compliance_directive_id'))
        batch_op.drop_index(batch_op.f('ix_directive_compliance_component_id'))
        batch_op.drop_index(batch_op.f('ix_directive_compliance_change_txid'))
        batch_op.drop_index(batch_op.f('ix_directive_compliance_aircraft_id'))

    op.drop_table('directive_compliance')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_department_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_crs_signed_by'))
        batch_op.drop_index(batch_op.f('ix_work_orders_component_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_change_txid'))
        batch_op.drop_index(batch_op.f('ix_work_orders_amo_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_aircraft_id'))

    op.drop_table('work_orders')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_records_change_txid'))

    op.drop_table('training_records')
    with op.batch_alter_table('stock_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_items_component_id'))
        batch_op.drop_index(batch_op.f('ix_stock_items_change_txid'))
        batch_op.drop_index(batch_op.f('ix_stock_items_amo_id'))

    op.drop_table('stock_items')
    with op.batch_alter_table('staff_authorisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_authorisations_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_authorisations_change_txid'))

    op.drop_table('staff_authorisations')
    with op.batch_alter_table('scheduled_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_actions_target_user_id'))
        batch_op.drop_index(batch_op.f('ix_scheduled_actions_run_at'))
        batch_op.drop_index(batch_op.f('ix_scheduled_actions_amo_id'))

    op.drop_table('scheduled_actions')
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))

    op.drop_table('password_reset_tokens')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audits_lead_auditor_id'))
        batch_op.drop_index(batch_op.f('ix_audits_change_txid'))
        batch_op.drop_index(batch_op.f('ix_audits_auditee_department_id'))
        batch_op.drop_index(batch_op.f('ix_audits_amo_id'))

    op.drop_table('audits')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role_id'))
        batch_op.drop_index(batch_op.f('ix_users_department_id'))
        batch_op.drop_index(batch_op.f('ix_users_change_txid'))
        batch_op.drop_index(batch_op.f('ix_users_amo_id'))

    op.drop_table('users')
    with op.batch_alter_table('tools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tools_department_id'))
        batch_op.drop_index(batch_op.f('ix_tools_change_txid'))
        batch_op.drop_index(batch_op.f('ix_tools_amo_id'))

    op.drop_table('tools')
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_components_installed_aircraft_id'))
        batch_op.drop_index(batch_op.f('ix_components_change_txid'))

    op.drop_table('components')
    with op.batch_alter_table('aircraft_utilisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aircraft_utilisation_change_txid'))

    op.drop_table('aircraft_utilisation')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_parent_id'))
        batch_op.drop_index(batch_op.f('ix_departments_change_txid'))
        batch_op.drop_index(batch_op.f('ix_departments_amo_id'))

    op.drop_table('departments')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_occurred_at')
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index('ix_audit_events_cursor')
        batch_op.drop_index(batch_op.f('ix_audit_events_amo_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_user_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aircraft_change_txid'))
        batch_op.drop_index(batch_op.f('ix_aircraft_amo_id'))

    op.drop_table('aircraft')
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_feed')
        batch_op.drop_index('ix_activity_events_entity')
        batch_op.drop_index('ix_activity_events_cursor')
        batch_op.drop_index(batch_op.f('ix_activity_events_amo_id'))

    op.drop_table('activity_events')
    op.drop_table('roles')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_ip'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_account_key'))

    op.drop_table('login_attempts')
    with op.batch_alter_table('directives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directives_supersedes_id'))
        batch_op.drop_index(batch_op.f('ix_directives_change_txid'))

    op.drop_table('directives')
    with op.batch_alter_table('amos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amos_change_txid'))

    op.drop_table('amos')


# Frozen copies of the table lists at this revision (later revisions must not change them here).
APPEND_ONLY_TABLES = ("audit_events", "activity_events", "part_movements", "tool_usage")
MUTABLE_TABLES = (
    "amos", "departments", "users", "staff_authorisations", "training_records", "audits",
    "safety_reports", "findings", "cars", "car_attachments", "aircraft", "aircraft_utilisation",
    "components", "work_orders", "task_cards", "component_removals", "directives",
    "directive_compliance", "defects", "stock_items", "tools", "tool_calibrations",
)
TXID = "pg_current_xact_id()::text::bigint"


def _create_cursor_ddl() -> None:
    """Extraction cursors and append-only guards (DESIGN.md "Extraction cursor").

    PostgreSQL: append-only tables take ``txid`` from the inserting transaction; mutable tables
    get ``change_txid`` on every insert and update; UPDATE, DELETE and TRUNCATE on append-only
    tables are refused, except DELETE inside a prune transaction (``SET LOCAL amoscope.prune``).
    SQLite has one writer: ``change_txid`` is a per-table counter kept by triggers.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION amoscope_set_change_txid() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.change_txid := {TXID}; RETURN NEW; END $$""")
        op.execute("""
            CREATE FUNCTION amoscope_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('amoscope.prune', true) = 'on' THEN
                RETURN OLD;
              END IF;
              RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
            END $$""")
        for table in APPEND_ONLY_TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN txid SET DEFAULT {TXID}")
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION amoscope_append_only()""")
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                           FOR EACH STATEMENT EXECUTE FUNCTION amoscope_append_only()""")
        for table in MUTABLE_TABLES:
            op.execute(f"""CREATE TRIGGER {table}_change_txid BEFORE INSERT OR UPDATE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION amoscope_set_change_txid()""")
    else:
        for table in MUTABLE_TABLES:
            next_value = f"(SELECT coalesce(max(change_txid), 0) + 1 FROM {table})"
            op.execute(f"""CREATE TRIGGER {table}_change_txid_insert AFTER INSERT ON {table}
                           BEGIN UPDATE {table} SET change_txid = {next_value}
                                 WHERE rowid = NEW.rowid; END""")
            op.execute(f"""CREATE TRIGGER {table}_change_txid_update AFTER UPDATE ON {table}
                           WHEN NEW.change_txid = OLD.change_txid
                           BEGIN UPDATE {table} SET change_txid = {next_value}
                                 WHERE rowid = NEW.rowid; END""")


def _drop_cursor_ddl() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN txid SET DEFAULT 0")
        for table in MUTABLE_TABLES:
            op.execute(f"DROP TRIGGER {table}_change_txid ON {table}")
        op.execute("DROP FUNCTION amoscope_append_only()")
        op.execute("DROP FUNCTION amoscope_set_change_txid()")
    else:
        for table in MUTABLE_TABLES:
            op.execute(f"DROP TRIGGER {table}_change_txid_insert")
            op.execute(f"DROP TRIGGER {table}_change_txid_update")
