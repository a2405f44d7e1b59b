"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway import create_app
from gateway.db import METADATAS, Database
from gateway.platform.database_schema import alembic_config
from tests.conftest import PG_URL, unique_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """The URL of an empty database (a SQLite file, or a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    request.getfixturevalue("pg_engine")  # skips (or fails) without TEST_DATABASE_URL
    schema = unique_schema("portgate_migr")
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def test_upgrading_an_empty_database_builds_exactly_the_models_schema(empty_url):
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "head")
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                list(METADATAS))
    database.engine.dispose()
    assert diff == []


def test_migrated_audit_trail_is_append_only(empty_url):
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "head")
    with database.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_events (at, actor, action, object_type, "
                             "object_id) VALUES (CURRENT_TIMESTAMP, 'cli', 'test', 'x', '1')"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET actor = 'someone else'"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    database.engine.dispose()


def test_new_database_is_stamped_and_init_db_then_upgrades_it(empty_url):
    app = create_app({"DATABASE_URL": empty_url, "TESTING": True, "SECRET_KEY": "migr"})
    engine = app.extensions["portgate_db"].engine
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0004_notify_prefs"
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0 and "schema upgraded" in result.output
    engine.dispose()


def test_downgrade_removes_every_table(empty_url):
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "head")
    command.downgrade(alembic_config(database), "base")
    names = set(sa.inspect(database.engine).get_table_names()) - {"alembic_version"}
    database.engine.dispose()
    assert names == set()
