"""db.held_writes: on PostgreSQL a block's `Prepared.send` writes go as one statement of
data-modifying CTEs, with the same effect as sending them one by one; on SQLite, one by one."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway.db import HELD_PREVIOUS, Prepared, bound, held_writes

META = sa.MetaData()
PARENT = sa.Table("held_parent", META, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("name", sa.String(20), unique=True), sa.Column("state", sa.String(10)),
                  sa.Column("data", sa.JSON))
CHILD = sa.Table("held_child", META, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("parent_id", sa.ForeignKey("held_parent.id"), nullable=False),
                 sa.Column("note", sa.String(20)))
NEW_PARENT = Prepared(sa.insert(PARENT).values(bound(PARENT, ("name", "state", "data")))
                      .returning(PARENT.c.id, PARENT.c.data))
NEW_CHILD = Prepared(sa.insert(CHILD).values(bound(CHILD, ("parent_id", "note"))))
SET_STATE = Prepared(sa.update(PARENT).where(PARENT.c.id == sa.bindparam("pid"))
                     .values(bound(PARENT, ("state",))))
NAMES = Prepared(sa.select(PARENT.c.name).order_by(PARENT.c.name))
# several parents in one INSERT, and children of the rows that INSERT returned (`held_previous`)
NEW_PARENTS = Prepared(sa.insert(PARENT).values(
    [bound(PARENT, ("name", "state", "data"), f"_{n}") for n in range(3)])
    .returning(PARENT.c.id, PARENT.c.name))
_PREVIOUS = sa.table(HELD_PREVIOUS, sa.column("id", sa.Integer))
CHILDREN_OF_PREVIOUS = Prepared(sa.insert(CHILD).from_select(
    ["parent_id", "note"], sa.select(_PREVIOUS.c.id, sa.bindparam("note", type_=sa.String))))


@pytest.fixture
def engine(core_engine):  # tests/conftest.py: SQLite, then PostgreSQL
    return core_engine


def _sent(engine):
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))  # noqa: E731
    return statements


def _rows(engine):
    with engine.connect() as conn:
        parents = conn.execute(sa.select(PARENT.c.name, PARENT.c.state, PARENT.c.data)
                               .order_by(PARENT.c.id)).all()
        children = conn.execute(sa.select(CHILD.c.parent_id, CHILD.c.note)
                                .order_by(CHILD.c.id)).all()
    return [tuple(p) for p in parents], [tuple(c) for c in children]


def _held_block(engine, write) -> tuple[int, list[str], list]:
    """A parent row written at once, then `write(conn, parent_id, returned)` within a held
    block, committed: the parent's id, the statements sent from the block on, and `returned`
    (the list whose `append` the writes were given)."""
    returned: list = []
    with Session(engine) as session:
        first = NEW_PARENT.execute(session.connection(),
                                   {"name": "first", "state": "new", "data": None})[0].id
        sent = _sent(engine)
        with held_writes(session):
            write(session.connection(), first, returned)
        session.commit()
    return first, list(sent), returned


def test_a_blocks_writes_are_one_statement_on_postgresql_with_their_returned_rows(engine):
    def write(conn, first, returned):
        NEW_PARENT.send(conn, {"name": "second", "state": "new", "data": {"k": [1]}},
                        returned.append)
        NEW_CHILD.send(conn, {"parent_id": first, "note": "a"})
        SET_STATE.send(conn, {"pid": first, "state": "foc"})
        assert returned == [] or engine.dialect.name == "sqlite"  # not sent yet on PG

    first, sent, returned = _held_block(engine, write)
    postgres = engine.dialect.name == "postgresql"
    assert len(sent) == (1 if postgres else 3), sent
    if postgres:
        assert sent[0].startswith("WITH w0 AS (INSERT INTO held_parent"), sent[0]
    # the RETURNING rows reach the caller, typed as by `execute` (the JSON decoded)
    assert len(returned) == 1 and returned[0][0].data == {"k": [1]}
    second = returned[0][0].id
    assert second != first
    assert _rows(engine) == ([("first", "foc", None), ("second", "new", {"k": [1]})],
                             [(first, "a")])


def test_a_statement_that_is_not_held_runs_after_the_held_writes(engine):
    with Session(engine) as session, held_writes(session):
        conn = session.connection()
        NEW_PARENT.send(conn, {"name": "b", "state": None, "data": None})
        NEW_PARENT.send(conn, {"name": "a", "state": None, "data": None})
        assert [row.name for row in NAMES.execute(conn)] == ["a", "b"]
        assert session.execute(sa.select(sa.func.count()).select_from(PARENT)).scalar() == 2
        NEW_PARENT.send(conn, {"name": "c", "state": None, "data": None})
    # the session rolled back: nothing of it is kept
    assert _rows(engine) == ([], [])


def test_two_updates_of_one_table_go_in_order_not_in_one_statement(engine):
    with Session(engine) as session:
        pid = NEW_PARENT.execute(session.connection(),
                                 {"name": "p", "state": "new", "data": None})[0].id
        sent = _sent(engine)
        with held_writes(session):
            SET_STATE.send(session.connection(), {"pid": pid, "state": "one"})
            SET_STATE.send(session.connection(), {"pid": pid, "state": "two"})
        session.commit()
    assert len(sent) == 2, sent  # PostgreSQL refuses a row updated twice in one statement
    assert _rows(engine)[0] == [("p", "two", None)]


def test_an_exception_other_than_a_database_error_sends_what_was_held_first(engine):
    with Session(engine) as session:
        with pytest.raises(LookupError), held_writes(session):
            NEW_PARENT.send(session.connection(), {"name": "kept", "state": None, "data": None})
            raise LookupError("a refusal after a write")
        session.commit()  # a caller that goes on keeps the write, as if sent at once
    assert _rows(engine)[0] == [("kept", None, None)]


def test_a_failing_held_write_raises_at_the_block_end_and_calls_back_nothing(engine):
    called: list = []
    with Session(engine) as session:
        NEW_PARENT.execute(session.connection(), {"name": "twice", "state": None, "data": None})
        with pytest.raises(sa.exc.IntegrityError), held_writes(session):
            NEW_PARENT.send(session.connection(), {"name": "other", "state": None,
                                                   "data": None}, called.append)
            NEW_PARENT.send(session.connection(), {"name": "twice", "state": None,
                                                   "data": None}, called.append)
        session.rollback()
    # PostgreSQL: both were one statement, which failed; SQLite: the first was sent at once
    assert len(called) == (0 if engine.dialect.name == "postgresql" else 1)
    assert _rows(engine) == ([], [])


def test_a_held_write_keeps_its_json_as_it_was_when_made(engine):
    data = {"tns": ["5415550100"]}
    with Session(engine) as session:
        with held_writes(session):
            NEW_PARENT.send(session.connection(), {"name": "j", "state": None, "data": data})
            data["tns"].append("5415550101")  # after the write: not part of it
        session.commit()
    assert _rows(engine)[0] == [("j", None, {"tns": ["5415550100"]})]


def _three(prefix: str) -> dict:
    return {f"{key}_{n}": value for n in range(3)
            for key, value in (("name", f"{prefix}{n}"), ("state", None), ("data", [n]))}


def test_a_held_insert_of_several_rows_answers_them_all_and_a_write_reads_its_ids(engine):
    """The notices of a step and their deliveries (notices.Outbox) ride on its statement."""
    def write(conn, first, returned):
        if engine.dialect.name == "sqlite":  # nothing is held: the rows are not there
            NEW_PARENTS.send(conn, _three("p"), returned.append)
            with pytest.raises(ValueError, match=HELD_PREVIOUS):
                CHILDREN_OF_PREVIOUS.send(conn, {"note": "of p"})
        else:
            SET_STATE.send(conn, {"pid": first, "state": "foc"})
            NEW_PARENTS.send(conn, _three("p"), returned.append)
            CHILDREN_OF_PREVIOUS.send(conn, {"note": "of p"})
            NEW_CHILD.send(conn, {"parent_id": first, "note": "of first"})

    first, sent, returned = _held_block(engine, write)
    # the rows, in id order = VALUES order, typed as by `execute` (the names as sent)
    assert len(returned) == 1 and [row.name for row in returned[0]] == ["p0", "p1", "p2"]
    ids = [row.id for row in returned[0]]
    assert ids == sorted(ids) and first not in ids
    parents, children = _rows(engine)
    assert [p[0] for p in parents] == ["first", "p0", "p1", "p2"]
    assert [p[2] for p in parents[1:]] == [[0], [1], [2]]
    if engine.dialect.name == "postgresql":
        assert len(sent) == 1 and sent[0].startswith("WITH w0 AS (UPDATE held_parent"), sent
        assert "FROM w1" in sent[0] and HELD_PREVIOUS not in sent[0], sent[0]
        assert parents[0][1] == "foc"
        # (data-modifying CTEs run in an order PostgreSQL chooses: the children by parent)
        assert sorted(children) == sorted([*((i, "of p") for i in ids), (first, "of first")])


def test_a_held_insert_of_several_rows_sent_alone_answers_its_rows(engine):
    returned: list = []
    with Session(engine) as session:
        with held_writes(session):
            NEW_PARENTS.send(session.connection(), _three("q"), returned.append)
        session.commit()
    assert [row.name for row in returned[0]] == ["q0", "q1", "q2"]
    assert [p[0] for p in _rows(engine)[0]] == ["q0", "q1", "q2"]


def test_a_write_reading_the_previous_rows_is_refused_outside_a_block(engine):
    with Session(engine) as session:
        with pytest.raises(ValueError, match=HELD_PREVIOUS):
            CHILDREN_OF_PREVIOUS.send(session.connection(), {"note": "orphan"})
        if engine.dialect.name == "postgresql":
            with pytest.raises(ValueError, match=HELD_PREVIOUS), held_writes(session):
                CHILDREN_OF_PREVIOUS.send(session.connection(), {"note": "first of a block"})
    assert _rows(engine) == ([], [])


def test_a_held_writes_json_is_made_by_the_engines_serializer(engine, monkeypatch):
    from gateway.platform import json_text

    made: list = []
    real = json_text.column_text
    monkeypatch.setattr(json_text, "column_text", lambda value: made.append(value) or real(value))
    with Session(engine) as session:
        with held_writes(session):
            NEW_PARENT.send(session.connection(), {"name": "s", "state": None,
                                                   "data": {"n": 2**70}})
        session.commit()
    assert _rows(engine)[0] == [("s", None, {"n": 2**70})]  # beyond orjson: the fallback's
    if engine.dialect.name == "postgresql":  # (SQLite's JSON type holds the serializer it had)
        assert made == [{"n": 2**70}]
