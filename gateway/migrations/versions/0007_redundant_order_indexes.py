"""Two indexes that a unique constraint's leading column already gives (issue 17)

Revision ID: 0007_redundant_order_indexes
Revises: 0006_tn_collation_c
Create Date: 2026-12-06

`ix_lsrs_owner_partner_id` (lsrs.owner_partner_id) is the first column of
`uq_lsrs_owner_submitter_pon` (owner, submitter, PON), and `ix_lsr_versions_lsr_id`
(lsr_versions.lsr_id) the first of `uq_lsr_versions_ver` (order, VER): a B-tree serves a
look-up or a foreign key's check on its leading column, so every query these two served is
served by the constraint's index. What they cost: every order's INSERT and each change of its
status (an UPDATE of indexed columns, never a HOT update) wrote an entry into
`ix_lsrs_owner_partner_id`, and every version one into `ix_lsr_versions_lsr_id`: three index
entries per automatic FOC (docs/decisions.md, "Submission hot path").
"""
from alembic import op

revision = '0007_redundant_order_indexes'
down_revision = '0006_tn_collation_c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_lsrs_owner_partner_id", table_name="lsrs")
    op.drop_index("ix_lsr_versions_lsr_id", table_name="lsr_versions")


def downgrade() -> None:
    op.create_index("ix_lsr_versions_lsr_id", "lsr_versions", ["lsr_id"])
    op.create_index("ix_lsrs_owner_partner_id", "lsrs", ["owner_partner_id"])
