"""NPAC fixtures: each test on in-memory SQLite and on PostgreSQL (TEST_DATABASE_URL)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from npac.models import NpacBase, NpaNxxCode, Spid, ThousandsBlock
from npac.simulator import SqlRegistry
from tests.conftest import unique_schema

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _schema() -> str:
    return unique_schema("npac")


@pytest.fixture(scope="session")
def pg_npac_engine():
    """A PostgreSQL schema of this worker's own, its NPAC tables created once per session."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_schema()} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {_schema()}"))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    engine = sa.create_engine(f"{PG_URL}{sep}options=-csearch_path%3D{_schema()}")
    NpacBase.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with sa.create_engine(PG_URL).begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_schema()} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def conn(request):
    """A connection inside a transaction that is rolled back (PG) or thrown away (SQLite)."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://", poolclass=StaticPool,
                                  connect_args={"check_same_thread": False})
        NpacBase.metadata.create_all(engine)
    else:
        engine = request.getfixturevalue("pg_npac_engine")
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def session(conn):
    """An ORM session joined to the test's transaction (SQLAlchemy 2.0 recipe)."""
    with Session(bind=conn, join_transaction_mode="create_savepoint") as db:
        yield db


@pytest.fixture
def registry(session) -> SqlRegistry:
    return SqlRegistry(session)


@pytest.fixture
def holders(session):
    """SPIDs, a code (541555 CT01), a block (5415557 SW01), a code (541382 SW01)."""
    session.add_all([Spid(spid="CT01", name="Cascade Telecom", type="wireline"),
                     Spid(spid="SW01", name="Summit West Communications", type="wireline"),
                     Spid(spid="B451", name="Blue Heron Wireless", type="wireless")])
    session.flush()
    session.add_all([NpaNxxCode(npa_nxx="541555", spid="CT01", lrn="5415550000"),
                     NpaNxxCode(npa_nxx="541382", spid="SW01", lrn="5413820000"),
                     ThousandsBlock(npa_nxx_x="5415557", spid="SW01", lrn="5413820000")])
    session.flush()
    return session


@pytest.fixture
def statements(conn):
    """Record the SQL statements the test's connection executes."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(conn, "before_cursor_execute", record)
    yield seen
    event.remove(conn, "before_cursor_execute", record)


@pytest.fixture
def write_csv(tmp_path):
    """Write a CSV file from lines and return its path."""

    def write(name: str, *lines: str) -> str:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def example_dir() -> Path:
    """The spec's example data files (api-contract §3.2)."""
    return Path(__file__).resolve().parents[1] / "data" / "examples"
