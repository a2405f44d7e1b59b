"""The orders' window and note-due indexes hold only the orders that have the time (issue 17)

Revision ID: 0008_partial_order_time_indexes
Revises: 0007_redundant_order_indexes
Create Date: 2026-12-06

`ix_lsrs_window_ends_at` and `ix_lsrs_note_due_at` become partial indexes (`WHERE ... IS NOT
NULL`) on SQLite and PostgreSQL. Every query by these columns compares the time (the sweep's
`window_ends_at < now`, the desk queue's notes due), which implies it is set, so each index
still serves them. What they cost before: every order wrote a NULL entry into both at its
INSERT, and an automatic FOC moved the window's entry at its status UPDATE (never a HOT update
on PostgreSQL): two to three index entries per order that no query reads, and on SQLite one to
two more pages in the WAL per FOC (docs/decisions.md, "Submission hot path").
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_partial_order_time_indexes'
down_revision = '0007_redundant_order_indexes'
branch_labels = None
depends_on = None

COLUMNS = ("window_ends_at", "note_due_at")


def _where(column: str) -> dict:
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


def upgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_lsrs_{column}", table_name="lsrs")
        op.create_index(f"ix_lsrs_{column}", "lsrs", [column], **_where(column))


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_lsrs_{column}", table_name="lsrs")
        op.create_index(f"ix_lsrs_{column}", "lsrs", [column])
