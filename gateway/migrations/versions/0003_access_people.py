"""Agent access requests, suspended approvals, users' names and phones (business-rules §1.1.2,
§1.3.2)

Revision ID: 0003_access_people
Revises: 0002
Create Date: 2026-12-06

Existing users get their username as full name (api-contract §2: `--name` defaults to it).
"""
from alembic import op
import sqlalchemy as sa
import npac.models

revision = '0003_access_people'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent_approvals') as batch_op:
        batch_op.add_column(sa.Column('suspended_at', npac.models.UtcDateTime(timezone=True),
                                      nullable=True))
    op.add_column('users', sa.Column('full_name', sa.String(length=120), nullable=True))
    op.add_column('users', sa.Column('phone', sa.String(length=30), nullable=True))
    op.execute("UPDATE users SET full_name = username")
    if op.get_bind().dialect.name == "sqlite":
        # the users table is copied and renamed (batch mode): rows pointing at it wait for it
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('full_name', existing_type=sa.String(length=120), nullable=False)
    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('privileges_csv', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_at', npac.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', npac.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['approval_id'], ['agent_approvals.id'], ),
    sa.ForeignKeyConstraint(['carrier_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_access_requests_agent_id'), 'access_requests', ['agent_id'],
                    unique=False)
    op.create_index('ix_access_requests_carrier_status', 'access_requests',
                    ['carrier_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_access_requests_carrier_status', table_name='access_requests')
    op.drop_index(op.f('ix_access_requests_agent_id'), table_name='access_requests')
    op.drop_table('access_requests')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('full_name')
    with op.batch_alter_table('agent_approvals') as batch_op:
        batch_op.drop_column('suspended_at')
