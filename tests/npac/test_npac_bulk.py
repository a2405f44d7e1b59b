"""load_rows: bulk inserts in the caller's transaction, with column types applied."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa

from npac.bulk import chunks, load_rows
from npac.models import SubscriptionVersion
from npac.simulator import SqlRegistry

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
TABLE = SubscriptionVersion.__table__


def test_rows_and_constants_are_stored_with_their_types(conn, session):
    pacific = timezone(timedelta(hours=-8))
    rows = [(f"54155501{i:02d}", "B451", "5419990000", date(2026, 12, 1)) for i in range(25)]
    count = load_rows(conn, TABLE, ["tn", "new_spid", "lrn", "due_date"], rows,
                      constants={"status": "pending", "concurred": True,
                                 "created_at": NOW.astimezone(pacific), "updated_at": NOW},
                      batch_size=10)
    assert count == 25
    [sv] = SqlRegistry(session).subscriptions_for_tns(["5415550107"])
    assert (sv.status, sv.concurred, sv.due_date, sv.created_at) == (
        "pending", True, date(2026, 12, 1), NOW)


def test_rows_belong_to_the_callers_transaction(conn):
    savepoint = conn.begin_nested()
    load_rows(conn, TABLE, ["tn", "new_spid", "lrn", "status", "concurred", "created_at",
                            "updated_at"],
              [("5415550100", "B451", "5419990000", "active", True, NOW, NOW)])
    assert conn.scalar(sa.select(sa.func.count()).select_from(TABLE)) == 1
    savepoint.rollback()
    assert conn.scalar(sa.select(sa.func.count()).select_from(TABLE)) == 0


def test_chunks_split_an_iterable():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]


def test_other_column_types_go_through_text_copy_with_escaping(conn):
    table = sa.Table("npac_test_bulk_docs", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("note", sa.Text), sa.Column("doc", sa.JSON),
                     sa.Column("kind", sa.String(10), default="plain"))
    table.create(conn)
    notes = ["tab\there", "new\nline", "back\\slash", None, "cr\rhere", ""]
    rows = [(i, note, {"n": i, "s": note}) for i, note in enumerate(notes)]
    assert load_rows(conn, table, ["id", "note", "doc"], rows) == len(notes)
    stored = conn.execute(sa.select(table).order_by(table.c.id)).all()
    assert [(r.note, r.doc, r.kind) for r in stored] == [
        (note, {"n": i, "s": note}, "plain") for i, note in enumerate(notes)]
