"""db.precompiled: an uncacheable statement rendered once as a cacheable text statement."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db import precompiled

META = sa.MetaData()
T = sa.Table("t", META, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(10), unique=True), sa.Column("data", sa.JSON),
             sa.Column("made", sa.String(10), default="py-side"))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_on_conflict_insert_keeps_its_typed_parameters_and_casts(dialect):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(T) \
        .on_conflict_do_nothing(index_elements=["name"]).returning(T.c.id)
    assert insert._generate_cache_key() is None  # why it exists: compiled on every call
    text = precompiled(insert, dialect, ["name", "data", "made"])
    assert text._generate_cache_key() is not None
    assert set(text._bindparams) == {"name", "data", "made"}
    assert isinstance(text._bindparams["data"].type, sa.JSON)
    rendered = str(text.compile(dialect=postgresql.dialect() if dialect == "postgresql"
                                else sqlite.dialect()))
    assert "ON CONFLICT (name) DO NOTHING" in rendered
    if dialect == "postgresql":
        assert "::JSON" in rendered  # the cast survives text()'s ":name" parsing


def test_insert_and_read_back_on_sqlite():
    engine = sa.create_engine("sqlite://")
    META.create_all(engine)
    text = precompiled(sqlite.insert(T).on_conflict_do_nothing(index_elements=["name"])
                       .returning(T.c.id), "sqlite", ["name", "data", "made"])
    with engine.begin() as conn:
        first = conn.execute(text, {"name": "a", "data": {"k": [1]}, "made": "x"}).scalar()
        again = conn.execute(text, {"name": "a", "data": {}, "made": "y"}).scalar()
        assert first == 1 and again is None
        assert conn.execute(sa.select(T.c.data, T.c.made)).one() == ({"k": [1]}, "x")


def test_refuses_what_it_cannot_render_once():
    with pytest.raises(ValueError, match="Python-side defaults"):
        precompiled(sa.insert(T), "sqlite", ["name"])  # "made" has a Python default
    expanding = sa.select(T.c.id).where(T.c.name.in_(sa.bindparam("names", expanding=True)))
    with pytest.raises(ValueError, match="expand"):
        precompiled(expanding, "sqlite")
