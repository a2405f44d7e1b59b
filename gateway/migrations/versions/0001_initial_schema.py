"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-01

The whole schema of the first release: the gateway's tables, the NPAC simulator's, and the
triggers that keep the audit trail append-only.
"""
from alembic import op
import sqlalchemy as sa
import npac.models
from sqlalchemy.dialects import postgresql

from gateway.platform.database_schema import audit_guard_statements

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('account_number', sa.String(length=20), nullable=False),
    sa.Column('btn', sa.String(length=10), nullable=False),
    sa.Column('customer_name', sa.String(length=120), nullable=False),
    sa.Column('sano', sa.String(length=20), nullable=False),
    sa.Column('sasd', sa.String(length=20), nullable=False),
    sa.Column('sasn', sa.String(length=80), nullable=False),
    sa.Column('sath', sa.String(length=20), nullable=False),
    sa.Column('sass', sa.String(length=20), nullable=False),
    sa.Column('ld1', sa.String(length=10), nullable=False),
    sa.Column('lv1', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('service_class', sa.String(length=10), nullable=False),
    sa.Column('une', sa.Boolean(), nullable=False),
    sa.Column('resale_spid', sa.String(length=4), nullable=True),
    sa.Column('passcode_hash', sa.String(length=120), nullable=True),
    sa.Column('port_freeze', sa.Boolean(), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('locked_until', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('account_number')
    )
    op.create_index(op.f('ix_accounts_btn'), 'accounts', ['btn'], unique=False)
    op.create_index(op.f('ix_accounts_state'), 'accounts', ['state'], unique=False)
    op.create_table('escalation_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('hours', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('state', 'level', name='uq_escalation_state_level')
    )
    op.create_table('job_locks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('held_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('login_throttles',
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('window_started_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('ip')
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ccna', sa.String(length=3), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ocn', sa.String(length=8), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('profile', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=200), nullable=True),
    sa.Column('webhook_set_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ccna')
    )
    op.create_index(op.f('ix_partners_status'), 'partners', ['status'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('types_csv', sa.String(length=80), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_contacts_partner_id'), 'contacts', ['partner_id'], unique=False)
    op.create_table('loas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_loas_partner_id'), 'loas', ['partner_id'], unique=False)
    op.create_table('partner_spids',
    sa.Column('spid', sa.String(length=4), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('spid')
    )
    op.create_index(op.f('ix_partner_spids_partner_id'), 'partner_spids', ['partner_id'], unique=False)
    op.create_table('passcode_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.account_number'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_passcode_failures_account_at', 'passcode_failures', ['account_number', 'at'], unique=False)
    op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('privileges_csv', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner_id', 'name')
    )
    op.create_table('tns',
    sa.Column('tn', sa.String(length=10), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('changed_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_number'], ['accounts.account_number'], ),
    sa.PrimaryKeyConstraint('tn')
    )
    op.create_index(op.f('ix_tns_account_number'), 'tns', ['account_number'], unique=False)
    op.create_table('lsrs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=20), nullable=False),
    sa.Column('owner_partner_id', sa.Integer(), nullable=False),
    sa.Column('submitter_partner_id', sa.Integer(), nullable=False),
    sa.Column('ccna', sa.String(length=3), nullable=False),
    sa.Column('pon', sa.String(length=16), nullable=True),
    sa.Column('ver', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('port_type', sa.String(length=10), nullable=True),
    sa.Column('review_reason', sa.String(length=10), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('nnsp', sa.String(length=4), nullable=True),
    sa.Column('received_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('effective_received_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('receipt_day', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('foc_due_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('foc_overdue_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('foc_issued_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('window_ends_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('foc_tns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('disconnect_tns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('new_btn', sa.String(length=10), nullable=True),
    sa.Column('rejects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('due_date_sups', sa.Integer(), nullable=False),
    sa.Column('loa_id', sa.Integer(), nullable=True),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['loa_id'], ['loas.id'], ),
    sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['submitter_partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_number'),
    sa.UniqueConstraint('owner_partner_id', 'pon', name='uq_lsrs_owner_pon')
    )
    op.create_index(op.f('ix_lsrs_account_number'), 'lsrs', ['account_number'], unique=False)
    op.create_index(op.f('ix_lsrs_created_at'), 'lsrs', ['created_at'], unique=False)
    op.create_index(op.f('ix_lsrs_owner_partner_id'), 'lsrs', ['owner_partner_id'], unique=False)
    op.create_index('ix_lsrs_status_due', 'lsrs', ['status', 'due_date'], unique=False)
    op.create_index('ix_lsrs_status_foc_due', 'lsrs', ['status', 'foc_due_at'], unique=False)
    op.create_index(op.f('ix_lsrs_submitter_partner_id'), 'lsrs', ['submitter_partner_id'], unique=False)
    op.create_index(op.f('ix_lsrs_window_ends_at'), 'lsrs', ['window_ends_at'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('privileges_csv', sa.String(length=40), nullable=False),
    sa.Column('contact_types_csv', sa.String(length=80), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_index(op.f('ix_users_partner_id'), 'users', ['partner_id'], unique=False)
    op.create_table('agent_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('privileges_csv', sa.String(length=40), nullable=False),
    sa.Column('granted_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['carrier_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_agent_approvals_agent_id'), 'agent_approvals', ['agent_id'], unique=False)
    op.create_index('ix_agent_approvals_pair', 'agent_approvals', ['carrier_id', 'agent_id'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_events_actor_user_id'), 'audit_events', ['actor_user_id'], unique=False)
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index(op.f('ix_audit_events_partner_id'), 'audit_events', ['partner_id'], unique=False)
    op.create_index('ix_audit_object', 'audit_events', ['object_type', 'object_id'], unique=False)
    op.create_table('csr_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('owner_partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ccna', sa.String(length=8), nullable=False),
    sa.Column('tn', sa.String(length=40), nullable=False),
    sa.Column('an', sa.String(length=40), nullable=True),
    sa.Column('agauth', sa.String(length=8), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=True),
    sa.Column('received_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('rejects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('csr', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('loa_id', sa.Integer(), nullable=True),
    sa.Column('request', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['loa_id'], ['loas.id'], ),
    sa.ForeignKeyConstraint(['owner_partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_csr_requests_account_number'), 'csr_requests', ['account_number'], unique=False)
    op.create_index(op.f('ix_csr_requests_owner_partner_id'), 'csr_requests', ['owner_partner_id'], unique=False)
    op.create_index('ix_csr_requests_partner_tn', 'csr_requests', ['partner_id', 'tn'], unique=False)
    op.create_index(op.f('ix_csr_requests_received_at'), 'csr_requests', ['received_at'], unique=False)
    op.create_index(op.f('ix_csr_requests_status'), 'csr_requests', ['status'], unique=False)
    op.create_table('lsr_tns',
    sa.Column('lsr_id', sa.Integer(), nullable=False),
    sa.Column('tn', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
    sa.PrimaryKeyConstraint('lsr_id', 'tn')
    )
    op.create_index(op.f('ix_lsr_tns_tn'), 'lsr_tns', ['tn'], unique=False)
    op.create_table('lsr_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lsr_id', sa.Integer(), nullable=False),
    sa.Column('ver', sa.String(length=2), nullable=False),
    sa.Column('sup', sa.String(length=1), nullable=True),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('rejects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lsr_id', 'ver', name='uq_lsr_versions_ver')
    )
    op.create_index(op.f('ix_lsr_versions_lsr_id'), 'lsr_versions', ['lsr_id'], unique=False)
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lsr_id', sa.Integer(), nullable=True),
    sa.Column('csr_request_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ack_due_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['csr_request_id'], ['csr_requests.id'], ),
    sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_escalations_lsr_id'), 'escalations', ['lsr_id'], unique=False)
    op.create_index('ix_escalations_open_due', 'escalations', ['acknowledged_at', 'ack_due_at'], unique=False)
    op.create_index(op.f('ix_escalations_partner_id'), 'escalations', ['partner_id'], unique=False)
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('lsr_id', sa.Integer(), nullable=True),
    sa.Column('csr_request_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['csr_request_id'], ['csr_requests.id'], ),
    sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_notices_created_at'), 'notices', ['created_at'], unique=False)
    op.create_index(op.f('ix_notices_lsr_id'), 'notices', ['lsr_id'], unique=False)
    op.create_index(op.f('ix_notices_partner_id'), 'notices', ['partner_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('sent_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=40), nullable=True),
    sa.Column('lease_until', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('delivery_id')
    )
    op.create_index(op.f('ix_deliveries_notice_id'), 'deliveries', ['notice_id'], unique=False)
    op.create_index('ix_deliveries_status_next', 'deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_table('npac_spids',
    sa.Column('spid', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.CheckConstraint("type = 'wireline' OR type = 'wireless' OR type = 'voip'", name='ck_npac_spids_type'),
    sa.PrimaryKeyConstraint('spid', name=op.f('pk_npac_spids'))
    )
    op.create_table('npac_subscription_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tn', sa.String(length=10).with_variant(sa.String(length=10, collation='C'), 'postgresql'), nullable=False),
    sa.Column('old_spid', sa.String(length=4), nullable=True),
    sa.Column('new_spid', sa.String(length=4), nullable=False),
    sa.Column('lrn', sa.String(length=10), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('conflict_cause', sa.SmallInteger(), nullable=True),
    sa.Column('concurred', sa.Boolean(), nullable=False),
    sa.Column('created_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'pending' OR status = 'conflict' OR status = 'active' OR status = 'old' OR status = 'canceled'", name='ck_npac_sv_status'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_npac_subscription_versions'))
    )
    op.create_index('ix_npac_sv_inactive_tn', 'npac_subscription_versions', ['tn', 'status'], unique=False, sqlite_where=sa.text("status <> 'active'"), postgresql_where=sa.text("status <> 'active'"))
    op.create_index('ux_npac_sv_active_tn', 'npac_subscription_versions', ['tn'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
    op.create_table('npac_npa_nxx_codes',
    sa.Column('npa_nxx', sa.String(length=6).with_variant(sa.String(length=6, collation='C'), 'postgresql'), nullable=False),
    sa.Column('spid', sa.String(length=4), nullable=False),
    sa.Column('lrn', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['spid'], ['npac_spids.spid'], name=op.f('fk_npac_npa_nxx_codes_spid_npac_spids')),
    sa.PrimaryKeyConstraint('npa_nxx', name=op.f('pk_npac_npa_nxx_codes'))
    )
    op.create_table('npac_thousands_blocks',
    sa.Column('npa_nxx_x', sa.String(length=7).with_variant(sa.String(length=7, collation='C'), 'postgresql'), nullable=False),
    sa.Column('spid', sa.String(length=4), nullable=False),
    sa.Column('lrn', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['spid'], ['npac_spids.spid'], name=op.f('fk_npac_thousands_blocks_spid_npac_spids')),
    sa.PrimaryKeyConstraint('npa_nxx_x', name=op.f('pk_npac_thousands_blocks'))
    )
    for statement in audit_guard_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table('npac_thousands_blocks')
    op.drop_table('npac_npa_nxx_codes')
    op.drop_index('ux_npac_sv_active_tn', table_name='npac_subscription_versions', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_npac_sv_inactive_tn', table_name='npac_subscription_versions', sqlite_where=sa.text("status <> 'active'"), postgresql_where=sa.text("status <> 'active'"))
    op.drop_table('npac_subscription_versions')
    op.drop_table('npac_spids')
    op.drop_index('ix_deliveries_status_next', table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_notice_id'), table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_index(op.f('ix_notices_partner_id'), table_name='notices')
    op.drop_index(op.f('ix_notices_lsr_id'), table_name='notices')
    op.drop_index(op.f('ix_notices_created_at'), table_name='notices')
    op.drop_table('notices')
    op.drop_index(op.f('ix_escalations_partner_id'), table_name='escalations')
    op.drop_index('ix_escalations_open_due', table_name='escalations')
    op.drop_index(op.f('ix_escalations_lsr_id'), table_name='escalations')
    op.drop_table('escalations')
    op.drop_index(op.f('ix_lsr_versions_lsr_id'), table_name='lsr_versions')
    op.drop_table('lsr_versions')
    op.drop_index(op.f('ix_lsr_tns_tn'), table_name='lsr_tns')
    op.drop_table('lsr_tns')
    op.drop_index(op.f('ix_csr_requests_status'), table_name='csr_requests')
    op.drop_index(op.f('ix_csr_requests_received_at'), table_name='csr_requests')
    op.drop_index('ix_csr_requests_partner_tn', table_name='csr_requests')
    op.drop_index(op.f('ix_csr_requests_owner_partner_id'), table_name='csr_requests')
    op.drop_index(op.f('ix_csr_requests_account_number'), table_name='csr_requests')
    op.drop_table('csr_requests')
    op.drop_index('ix_audit_object', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_partner_id'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_actor_user_id'), table_name='audit_events')
    op.drop_table('audit_events')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_agent_approvals_pair', table_name='agent_approvals')
    op.drop_index(op.f('ix_agent_approvals_agent_id'), table_name='agent_approvals')
    op.drop_table('agent_approvals')
    op.drop_index(op.f('ix_users_partner_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_lsrs_window_ends_at'), table_name='lsrs')
    op.drop_index(op.f('ix_lsrs_submitter_partner_id'), table_name='lsrs')
    op.drop_index('ix_lsrs_status_foc_due', table_name='lsrs')
    op.drop_index('ix_lsrs_status_due', table_name='lsrs')
    op.drop_index(op.f('ix_lsrs_owner_partner_id'), table_name='lsrs')
    op.drop_index(op.f('ix_lsrs_created_at'), table_name='lsrs')
    op.drop_index(op.f('ix_lsrs_account_number'), table_name='lsrs')
    op.drop_table('lsrs')
    op.drop_index(op.f('ix_tns_account_number'), table_name='tns')
    op.drop_table('tns')
    op.drop_table('roles')
    op.drop_index('ix_passcode_failures_account_at', table_name='passcode_failures')
    op.drop_table('passcode_failures')
    op.drop_index(op.f('ix_partner_spids_partner_id'), table_name='partner_spids')
    op.drop_table('partner_spids')
    op.drop_index(op.f('ix_loas_partner_id'), table_name='loas')
    op.drop_table('loas')
    op.drop_index(op.f('ix_contacts_partner_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_index(op.f('ix_partners_status'), table_name='partners')
    op.drop_table('partners')
    op.drop_table('login_throttles')
    op.drop_table('job_locks')
    op.drop_table('escalation_contacts')
    op.drop_index(op.f('ix_accounts_state'), table_name='accounts')
    op.drop_index(op.f('ix_accounts_btn'), table_name='accounts')
    op.drop_table('accounts')
