"""tns.tn compared byte by byte on PostgreSQL (COLLATE "C"; issue 17 item 4)

Revision ID: 0006_tn_collation_c
Revises: 0005_open_tn_index_fk
Create Date: 2026-12-06

A TN is ten ASCII digits (business-rules §2.1), so "C" (memcmp) orders and equals them exactly
as the database's default collation does, but its index builds use abbreviated keys instead
of strcoll: the primary key of a 1,000,000-TN import builds in ~0.58 s instead of ~0.90 s
(docs/decisions.md). Comparisons with other, default-collated columns take the column's "C"
(PostgreSQL's collation rules: a non-default implicit collation wins over the default), and
a LIKE 'prefix%' on tns.tn can now use the primary key. The column's type is unchanged; the
primary key's index is rebuilt. SQLite has no collations of that name and is left as it is.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_tn_collation_c'
down_revision = '0005_open_tn_index_fk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("tns", "tn", type_=sa.String(10, collation="C"),
                        existing_type=sa.String(10), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("tns", "tn", type_=sa.String(10),
                        existing_type=sa.String(10, collation="C"), existing_nullable=False)
