"""PON per submitting partner and CCNA (business-rules §7.5, §1.1.1)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

An agent's PON and its carrier's PON under the same CCNA name different orders: the unique key
of an order's PON becomes (owner, submitter, PON).
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # the table is copied and renamed (batch mode): the rows of lsr_versions and lsr_tns
        # point at it by name again once it is renamed, so their checks wait for the commit
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.drop_constraint('uq_lsrs_owner_pon', type_='unique')
        batch_op.create_unique_constraint('uq_lsrs_owner_submitter_pon',
                                          ['owner_partner_id', 'submitter_partner_id', 'pon'])


def downgrade() -> None:
    with op.batch_alter_table('lsrs') as batch_op:
        batch_op.drop_constraint('uq_lsrs_owner_submitter_pon', type_='unique')
        batch_op.create_unique_constraint('uq_lsrs_owner_pon', ['owner_partner_id', 'pon'])
