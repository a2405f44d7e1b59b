"""Port-out protection (business-rules §11): dispute links, order holds, review rule

Revision ID: 0003_protection
Revises: 0003_access_people
Create Date: 2026-12-05

The end user's "I did not ask for this" links (kept as SHA-256 only), the holds a dispute puts
on an order, and on the order its hold, cancel reason and risk-review rule. `review_reason`
widens to hold `fraud_review`.
"""
from alembic import op
import sqlalchemy as sa
import npac.models
from sqlalchemy.dialects import postgresql

revision = '0003_protection'
down_revision = '0003_access_people'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, npac.models.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")  # lsrs is copied and renamed (batch mode)
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.alter_column('review_reason', existing_type=sa.String(length=10),
                              type_=sa.String(length=14), existing_nullable=True)
        batch_op.add_column(sa.Column('review_rule', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('hold', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=20), nullable=True))
    op.create_table(
        'dispute_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lsr_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        _at('created_at', nullable=False),
        _at('used_at'),
        sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    op.create_index(op.f('ix_dispute_links_lsr_id'), 'dispute_links', ['lsr_id'], unique=False)
    op.create_table(
        'order_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lsr_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        _at('started_at', nullable=False),
        _at('due_at'),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('sv_ids', JSON, nullable=False),
        _at('ended_at'),
        sa.Column('outcome', sa.String(length=14), nullable=True),
        sa.Column('ended_by_user_id', sa.Integer(), nullable=True),
        sa.Column('remarks', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['ended_by_user_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_order_holds_lsr_id'), 'order_holds', ['lsr_id'], unique=False)
    op.create_index(op.f('ix_order_holds_started_at'), 'order_holds', ['started_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_order_holds_started_at'), table_name='order_holds')
    op.drop_index(op.f('ix_order_holds_lsr_id'), table_name='order_holds')
    op.drop_table('order_holds')
    op.drop_index(op.f('ix_dispute_links_lsr_id'), table_name='dispute_links')
    op.drop_table('dispute_links')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('hold')
        batch_op.drop_column('review_rule')
        batch_op.alter_column('review_reason', existing_type=sa.String(length=14),
                              type_=sa.String(length=10), existing_nullable=True)
