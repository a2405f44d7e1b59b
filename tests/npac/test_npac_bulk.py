"""load_rows: bulk inserts in the caller's transaction, with column types applied;
CopyStream: COPY blocks of several tables sent by a thread."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
import sqlalchemy as sa

from npac.bulk import CopyStream, chunks, load_rows
from npac.models import SubscriptionVersion
from npac.simulator import SqlRegistry

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
TABLE = SubscriptionVersion.__table__
# COPY is PostgreSQL's: these cases run on it alone (no SQLite twin to skip)
POSTGRES_ONLY = pytest.mark.parametrize(
    "conn", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


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


def _two_tables(conn) -> tuple[sa.Table, sa.Table]:
    meta = sa.MetaData()
    first = sa.Table("npac_test_stream_a", meta, sa.Column("n", sa.Integer),
                     sa.Column("word", sa.Text))
    second = sa.Table("npac_test_stream_b", meta, sa.Column("n", sa.Integer),
                      sa.Column("flag", sa.Boolean))
    meta.create_all(conn)
    return first, second


@POSTGRES_ONLY
def test_a_copy_stream_loads_blocks_of_several_tables_in_the_callers_transaction(conn):
    first, second = _two_tables(conn)
    savepoint = conn.begin_nested()
    with CopyStream(conn) as stream:
        for block in range(5):  # the tables alternate, and some blocks follow their own
            stream.send(first, ["n", "word"], "".join(f"{block * 10 + i}\tw{i}\n"
                                                      for i in range(3)))
            stream.send(second, ["n", "flag"], f"{block}\tt\n")
            stream.send(second, ["n", "flag"], f"{block + 100}\tf\n")
            stream.send(first, ["n", "word"], "")  # nothing to send
    assert conn.scalar(sa.select(sa.func.count()).select_from(first)) == 15
    assert conn.execute(sa.select(second.c.n, second.c.flag).order_by(second.c.n)).all() == [
        *[(b, True) for b in range(5)], *[(b + 100, False) for b in range(5)]]
    savepoint.rollback()  # the blocks were the caller's transaction's
    assert conn.scalar(sa.select(sa.func.count()).select_from(first)) == 0


@POSTGRES_ONLY
def test_a_copy_stream_raises_the_servers_refusal_and_lets_the_caller_go_on(conn):
    first, second = _two_tables(conn)
    savepoint = conn.begin_nested()
    stream = CopyStream(conn).__enter__()
    stream.send(second, ["n", "flag"], "1\tnot a boolean\n")
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        for n in range(1000):  # sends after the refusal do not block; one raises it
            stream.send(first, ["n", "word"], f"{n}\tw\n")
            time.sleep(0.001)
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        stream.close()
    assert not stream.thread.is_alive()
    savepoint.rollback()


@POSTGRES_ONLY
def test_a_copy_stream_leaves_the_callers_error_to_the_caller(conn):
    first, _ = _two_tables(conn)
    savepoint = conn.begin_nested()
    with pytest.raises(KeyError), CopyStream(conn) as stream:
        stream.send(first, ["n", "word"], "1\tw\n")
        raise KeyError("the caller's")
    assert not stream.thread.is_alive()
    savepoint.rollback()
