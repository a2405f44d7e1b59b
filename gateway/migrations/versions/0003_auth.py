"""Two-step sign-in and temporary passwords (business-rules §1.3.1)

Revision ID: 0003_auth
Revises: 0003_notes_coordinated
Create Date: 2026-12-06

Users get a TOTP secret (once enrolled), the last accepted time step, hashed recovery codes and
a flag for a temporary password that must be changed at the next sign-in.
"""
import sqlalchemy as sa
from alembic import op

import npac.models
from sqlalchemy.dialects import postgresql

revision = '0003_auth'
down_revision = '0003_notes_coordinated'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enrolled_at', npac.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        for name in ('must_change_password', 'recovery_codes', 'totp_last_step',
                     'totp_enrolled_at', 'totp_secret'):
            batch_op.drop_column(name)
