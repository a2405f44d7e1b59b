"""db.Prepared: Core statements rendered once and run on the DBAPI cursor keep what
SQLAlchemy's execution gives the hot path: typed parameters and results, the engine's cursor
listeners, wrapped errors, and the connection's transaction."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db import Prepared, UTCDateTime, bound
from npac.simulator import batch_match, in_list, text_array

META = sa.MetaData()
T = sa.Table("prep_t", META, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(20), unique=True), sa.Column("data", sa.JSON),
             sa.Column("at", UTCDateTime), sa.Column("flag", sa.Boolean))
INSERT = Prepared(sa.insert(T).values(
    {key: sa.bindparam(key, type_=T.c[key].type) for key in ("name", "data", "at", "flag")})
    .returning(T.c.id))


@pytest.fixture
def engine(core_engine):  # tests/conftest.py: SQLite, then PostgreSQL
    return core_engine


def test_typed_parameters_and_results_round_trip(engine):
    at = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    with engine.begin() as conn:
        new_id = INSERT.scalar(conn, {"name": "a", "data": {"k": [1, "x"]}, "at": at,
                                      "flag": True})
        rows = Prepared(sa.select(T.c.id, T.c.data, T.c.at, T.c.flag).where(
            in_list(T.c.name, "names", postgres=engine.dialect.name == "postgresql"))
        ).execute(conn, {"names": ["a", "b"]})
    assert len(rows) == 1
    row = rows[0]
    assert (row.id, row.data, row.at, row.flag) == (new_id, {"k": [1, "x"]}, at, True)
    with engine.connect() as conn:  # what SQLAlchemy itself reads back is the same
        assert conn.execute(sa.select(T.c.data, T.c.at, T.c.flag)).one() == \
            ({"k": [1, "x"]}, at, True)


def test_an_on_conflict_insert_is_rendered_once_and_answers_none_on_conflict(engine):
    """The dialect INSERT ... ON CONFLICT that SQLAlchemy cannot cache (no cache key)."""
    dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    insert = dialect_insert(T).values(bound(T, ("name", "data", "flag"))) \
        .on_conflict_do_nothing(index_elements=["name"]).returning(T.c.id)
    assert insert._generate_cache_key() is None
    once = Prepared(insert)
    with engine.begin() as conn:
        first = once.scalar(conn, {"name": "a", "data": {"k": [1]}, "flag": True})
        again = once.scalar(conn, {"name": "a", "data": {}, "flag": False})
        assert first is not None and again is None
        assert conn.execute(sa.select(T.c.data, T.c.flag)).one() == ({"k": [1]}, True)


def test_cursor_listeners_see_every_statement_and_the_transaction_is_the_connections(engine):
    seen = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cur, statement, *rest: seen.append(statement.split()[0]))
    with engine.connect() as conn:
        conn.begin()
        INSERT.execute(conn, {"name": "b", "data": None, "at": None, "flag": False})
        Prepared(sa.insert(T).values(name=sa.bindparam("name", type_=sa.String))
                 ).execute_many(conn, [{"name": "c"}, {"name": "d"}])
        conn.rollback()  # the connection's transaction: nothing stays
    assert seen == ["INSERT", "INSERT"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(T)).scalar() == 0


def test_a_database_error_is_sqlalchemys_wrapper_of_it(engine):
    with engine.connect() as conn:
        conn.begin()
        INSERT.execute(conn, {"name": "dup", "data": None, "at": None, "flag": None})
        with pytest.raises(sa.exc.IntegrityError):
            INSERT.execute(conn, {"name": "dup", "data": None, "at": None, "flag": None})
        conn.rollback()


def test_a_postgresql_connection_keeps_one_cursor_for_its_statements(engine):
    """A psycopg cursor keeps its parameter dumpers (a list's is made per cursor): one per
    connection, reused after a statement that failed, a new one with a new connection.
    pysqlite's cursors cost nothing to make: SQLite gets one per statement, closed after it."""
    cursors = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cur, *rest: cursors.append(cur))
    postgres = engine.dialect.name == "postgresql"
    names = Prepared(sa.select(T.c.name).where(in_list(T.c.name, "names", postgres=postgres)))
    with engine.connect() as conn:
        conn.begin()
        INSERT.execute(conn, {"name": "k1", "data": [1], "at": None, "flag": True})
        assert [r.name for r in names.execute(conn, {"names": ["k1", "zz"]})] == ["k1"]
        with pytest.raises(sa.exc.IntegrityError):
            INSERT.execute(conn, {"name": "k1", "data": None, "at": None, "flag": None})
        conn.rollback()
        conn.begin()
        assert names.execute(conn, {"names": ["k1"]}) == []  # rolled back
        conn.rollback()
        conn.invalidate()  # a new DBAPI connection
        assert names.execute(conn, {"names": ["k1"]}) == []
    assert len(cursors) == 5
    if postgres:
        assert all(c is cursors[0] for c in cursors[:4]) and cursors[4] is not cursors[0]
    else:
        for cursor in cursors:  # each closed after its statement
            with pytest.raises(sqlite3.ProgrammingError, match="closed cursor"):
                cursor.execute("SELECT 1")


def test_a_tn_batch_matches_its_tns_and_nothing_for_a_value_holding_a_comma(engine):
    """`batch_match`: on PostgreSQL the TNs are one comma-joined text parameter (psycopg
    adapts a list value by value in Python) that `string_to_array` splits; the same rows as
    SQLite's JSON list: an empty batch matches nothing, and a value holding a comma is not
    split into two TNs."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for name in ("5415550100", "5415550101", "5415550102"):
            INSERT.scalar(conn, {"name": name, "data": None, "at": None, "flag": None})
        batch = Prepared(sa.select(T.c.name).where(
            batch_match(T.c.name, "tns", postgres=postgres)).order_by(T.c.name))
        assert [r.name for r in batch.execute(conn, {"tns": ["5415550102", "5415550100"]})] \
            == ["5415550100", "5415550102"]
        assert batch.execute(conn, {"tns": []}) == []
        assert [r.name for r in batch.execute(
            conn, {"tns": ["5415550100,5415550101", "5415550102"]})] == ["5415550102"]
        if postgres:
            assert "string_to_array($1::VARCHAR, ',')" in batch._for(engine.dialect).sql
            split = Prepared(sa.select(sa.func.unnest(text_array("tns")).label("tn")))
            assert [r.tn for r in split.execute(conn, {"tns": ["1", "", "2"]})] == ["1", "", "2"]


def test_statements_that_cannot_be_rendered_once_are_refused():
    expanding = sa.select(T.c.id).where(T.c.name.in_(sa.bindparam("names", expanding=True)))
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(ValueError, match="expand"):
        Prepared(expanding).execute(conn, {"names": ["a"]})
    with_default = sa.Table("prep_d", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("made", sa.String, default="py-side"))
    with engine.connect() as conn, pytest.raises(ValueError, match="Python-side defaults"):
        Prepared(sa.insert(with_default).values(id=sa.bindparam("id"))).execute(conn, {"id": 1})


def test_postgresql_statements_are_sent_in_its_own_placeholders_numbered_once_per_name():
    from gateway.db import _dollar_params

    sql, names = _dollar_params(
        "SELECT %(a)s::INTEGER, %(b)s WHERE x = %(a)s AND y LIKE 'q%%' AND z = %(c_1)s")
    assert sql == "SELECT $1::INTEGER, $2 WHERE x = $1 AND y LIKE 'q%' AND z = $3"
    assert names == ["a", "b", "c_1"]


def test_a_statement_longer_than_psycopgs_cache_runs_with_its_parameters(engine):
    """The facts statement is ~8 KB: psycopg's own placeholder conversion is not cached above
    4 KB, so Portgate sends PostgreSQL's placeholders itself (any database: same answers)."""
    wide = sa.select(*[sa.bindparam(f"p{i}", type_=sa.Integer) + i for i in range(300)])
    assert len(str(wide.compile(dialect=postgresql.dialect()))) > 4096
    with engine.connect() as conn:
        row = Prepared(wide).execute(conn, {f"p{i}": i for i in range(300)})[0]
    assert list(row) == [2 * i for i in range(300)]


def test_arguments_come_from_the_call_else_from_the_statements_own_values(engine):
    """The arguments worked out once per statement (`_parameter_plan`) are what
    SQLAlchemy's `construct_params` gives: a call's value by key, a value bound in the
    statement, a callable's value at each call, and a refusal for a required one missing."""
    counter = iter(range(100))
    query = Prepared(sa.select(
        sa.bindparam("given", type_=sa.Integer), sa.literal(7, sa.Integer),
        sa.bindparam("made", callable_=lambda: next(counter), type_=sa.Integer),
        sa.bindparam("at", type_=UTCDateTime)))
    at = datetime(2026, 12, 6, 9, 15, 30, 250, tzinfo=UTC)
    with engine.begin() as conn:
        assert tuple(query.execute(conn, {"given": 3, "at": at})[0]) == (3, 7, 0, at)
        assert tuple(query.execute(conn, {"given": 4, "at": at})[0]) == (4, 7, 1, at)
        with pytest.raises(sa.exc.InvalidRequestError, match="'given'"):
            query.execute(conn, {"at": at})
    rendered = query._for(engine.dialect)
    assert rendered.plan is not None  # both dialects take the worked-out path
    counter = iter([9, 9])  # the callable's next two values, one for each way
    generic = rendered.compiled.construct_params({"given": 5, "at": at})
    for key, processor in rendered.processors.items():
        generic[key] = processor(generic[key])
    assert rendered._args({"given": 5, "at": at}) == [generic[k] for k in rendered.positions]
