"""The open-TN index (lsr_tns) without its foreign key to lsrs (issue 17)

Revision ID: 0005_open_tn_index_fk
Revises: 0004_notify_prefs
Create Date: 2026-12-05

lsr_tns is the open-order index of business-rules §2.4, derived data written only by the
order lifecycle (gateway/services/orders/transitions.py) with the ids of orders it has just
written or loaded; orders are never deleted. Its foreign key cost a trigger call per TN row
on PostgreSQL: 2.3 ms of the 4.5 ms that a 500-TN order's index rows took (docs/decisions.md).
"""
from alembic import op

revision = '0005_open_tn_index_fk'
down_revision = '0004_notify_prefs'
branch_labels = None
depends_on = None

# SQLite names no constraint: batch mode finds the reflected one by this convention
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("lsr_tns_lsr_id_fkey", "lsr_tns", type_="foreignkey")
        return
    with op.batch_alter_table("lsr_tns", naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint("fk_lsr_tns_lsr_id_lsrs", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("lsr_tns_lsr_id_fkey", "lsr_tns", "lsrs", ["lsr_id"], ["id"])
        return
    with op.batch_alter_table("lsr_tns", naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.create_foreign_key("fk_lsr_tns_lsr_id_lsrs", "lsrs", ["lsr_id"], ["id"])
