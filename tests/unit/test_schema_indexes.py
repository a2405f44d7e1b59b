"""Every index of the models pays for its writes: none is the leading part of another."""
import sqlalchemy as sa

import gateway.models  # noqa: F401  (the models' tables join the metadata when imported)
from gateway.db import METADATAS


def _keys(table: sa.Table) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(name, unique, columns) of every index and unique constraint of the table."""
    keys = [(index.name or "", bool(index.unique), tuple(c.name for c in index.columns))
            for index in table.indexes]
    keys += [(constraint.name or "", True, tuple(c.name for c in constraint.columns))
             for constraint in table.constraints
             if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))]
    return keys


def test_no_index_repeats_the_leading_columns_of_another():
    """A B-tree serves look-ups on its leading columns, so a plain index on what another
    index or key begins with is one more entry to write per row and serves nothing more
    (migration 0007 dropped the two there were)."""
    redundant = []
    assert sum(len(metadata.tables) for metadata in METADATAS) > 25
    for metadata in METADATAS:
        for table in metadata.tables.values():
            keys = _keys(table)
            for name, unique, columns in keys:
                if unique or not columns:
                    continue
                covering = [other for other, _u, cols in keys if other != name
                            and len(cols) >= len(columns) and cols[:len(columns)] == columns]
                if covering:
                    redundant.append(f"{table.name}.{name} {columns} is the start of "
                                     f"{covering}")
    assert redundant == []


def test_the_order_keys_still_lead_with_the_columns_the_dropped_indexes_had():
    from gateway.models import Lsr, LsrVersion

    orders = {name: cols for name, _u, cols in _keys(Lsr.__table__)}
    versions = {name: cols for name, _u, cols in _keys(LsrVersion.__table__)}
    assert orders["uq_lsrs_owner_submitter_pon"][0] == "owner_partner_id"
    assert versions["uq_lsr_versions_ver"][0] == "lsr_id"
    assert "ix_lsrs_owner_partner_id" not in orders
    assert "ix_lsr_versions_lsr_id" not in versions
