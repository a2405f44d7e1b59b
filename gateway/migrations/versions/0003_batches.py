"""Bulk requests: LSR batches and their items (business-rules §12, api-contract §4.2.1)

Revision ID: 0003_batches
Revises: 0003_auth
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa
import npac.models
from sqlalchemy.dialects import postgresql

revision = '0003_batches'
down_revision = '0003_auth'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
UTC = npac.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('lsr_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=4), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('received_at', UTC, nullable=False),
    sa.Column('started_at', UTC, nullable=True),
    sa.Column('finished_at', UTC, nullable=True),
    sa.Column('lease_owner', sa.String(length=40), nullable=True),
    sa.Column('lease_until', UTC, nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_lsr_batches_status', 'lsr_batches', ['status', 'id'], unique=False)
    op.create_index(op.f('ix_lsr_batches_partner_id'), 'lsr_batches', ['partner_id'],
                    unique=False)
    op.create_table('lsr_batch_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('pon', sa.String(length=40), nullable=True),
    sa.Column('body', JSON, nullable=True),
    sa.Column('edge_rejects', JSON, nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('lsr_id', sa.Integer(), nullable=True),
    sa.Column('error', JSON, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('done_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['lsr_batches.id'], ),
    sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'index', name='uq_lsr_batch_items_index')
    )


def downgrade() -> None:
    op.drop_table('lsr_batch_items')
    op.drop_index(op.f('ix_lsr_batches_partner_id'), table_name='lsr_batches')
    op.drop_index('ix_lsr_batches_status', table_name='lsr_batches')
    op.drop_table('lsr_batches')
