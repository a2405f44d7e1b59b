"""Order notes, coordinated ports, escalation tickets (business-rules §13, §8.2)

Revision ID: 0003_notes_coordinated
Revises: 0003_protection
Create Date: 2026-12-06

Notes on an order (with their attachment), the order's `awaiting_partner` and note-queue
times, a coordinated FOC's time of day, a wider review reason (`coordinated`), and the
partner's own ticket number and problem start time on escalations.
"""
import sqlalchemy as sa
from alembic import op

import npac.models

revision = '0003_notes_coordinated'
down_revision = '0003_protection'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'order_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lsr_id', sa.Integer(), nullable=False),
        sa.Column('author_kind', sa.String(length=8), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=120), nullable=False),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('request_info', sa.Boolean(), nullable=False),
        sa.Column('at', npac.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('attachment_filename', sa.String(length=200), nullable=True),
        sa.Column('attachment_type', sa.String(length=40), nullable=True),
        sa.Column('attachment_size', sa.Integer(), nullable=True),
        sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
        sa.Column('attachment_data', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['lsr_id'], ['lsrs.id'], ),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_order_notes_lsr_id'), 'order_notes', ['lsr_id'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")  # batch mode copies lsrs (see 0002)
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.add_column(sa.Column('due_time', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('awaiting_partner_since',
                                      npac.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('note_due_at', npac.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_lsrs_note_due_at'), ['note_due_at'], unique=False)
    with op.batch_alter_table('escalations') as batch_op:
        batch_op.add_column(sa.Column('partner_ticket', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('problem_started_at',
                                      npac.models.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('escalations') as batch_op:
        batch_op.drop_column('problem_started_at')
        batch_op.drop_column('partner_ticket')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.drop_index(batch_op.f('ix_lsrs_note_due_at'))
        batch_op.drop_column('note_due_at')
        batch_op.drop_column('awaiting_partner_since')
        batch_op.drop_column('due_time')
    op.drop_index(op.f('ix_order_notes_lsr_id'), table_name='order_notes')
    op.drop_table('order_notes')
