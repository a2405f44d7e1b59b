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
        revision = MigrationContext.configure(conn).get_current_revision()
        assert revision == "0008_partial_order_time_indexes"
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


def test_notice_preferences_after_0004_mean_as_today(empty_url):
    """Rows from before the preferences existed keep today's notices (issue 15): a jeopardy
    holder still gets expiries and notes, nobody gets batch results by email, the webhook
    gets every category."""
    from gateway.models import Partner
    from gateway.services.outbox import notices

    database = Database(empty_url)
    command.upgrade(alembic_config(database), "0003_batches")
    now = "2026-11-23 18:00:00+00:00"
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO partners (id, name, ccna, type, status, webhook_url, webhook_secret, "
            "created_at) VALUES (1, 'Blue Heron', 'BHW', 'wireless', 'active', "
            "'https://oss.heron.example/lnp', 'whsec-0123456789abcdef', :now)"), {"now": now})
        conn.execute(sa.text(
            "INSERT INTO contacts (partner_id, name, email, phone, types_csv, created_at) "
            "VALUES (1, 'Watch', 'watch@heron.example', '5415550100', 'jeopardy', :now)"),
            {"now": now})
        conn.execute(sa.text(
            "INSERT INTO users (username, email, full_name, password_hash, role, partner_id, "
            "privileges_csv, contact_types_csv, timezone, session_version, failed_logins, "
            "created_at) VALUES ('heron', 'heron@heron.example', 'heron', 'x', "
            "'partner_user', 1, 'view', 'foc,jeopardy', 'UTC', 1, 0, :now)"), {"now": now})
    command.upgrade(alembic_config(database), "head")
    with database.sessionmaker() as session:
        def to(event):
            return notices.partner_recipients(session, 1, event)

        both = ["heron@heron.example", "watch@heron.example"]
        assert to("lsr.expired") == to("lsr.note") == to("lsr.disputed") == both
        assert to("lsr.foc") == ["heron@heron.example"]
        assert to("lsr.completed") == to("lsr_batch.done") == []
        partner = session.get(Partner, 1)
        assert all(notices.webhook_wants(partner, event) for event in (
            "lsr.foc", "lsr.completed", "lsr.expired", "lsr.note", "lsr_batch.done"))
    database.engine.dispose()


def test_tns_keep_their_rows_and_compare_as_before_after_0006(empty_url):
    """0006 gives tns.tn the "C" collation on PostgreSQL (a faster key build for imports): the
    rows stay, a join with another table's default-collated TN column and a prefix search
    still find them, digits sort the same, and the models build the same column."""
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "0005_open_tn_index_fk")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO accounts (account_number, btn, customer_name, sano, sasd, sasn, sath, "
            "sass, ld1, lv1, city, state, zip, service_class, une, port_freeze) VALUES "
            "('700001', '5035550100', 'A', '1', '', 'MAIN', 'ST', '', '', '', 'PORTLAND', "
            "'OR', '97201', 'pots', false, false)"))
        conn.execute(sa.text("INSERT INTO tns (tn, account_number, status) VALUES "
                             "('5035550101', '700001', 'working'), "
                             "('5035550100', '700001', 'working'), "
                             "('5415550100', '700001', 'working')"))
        conn.execute(sa.text("INSERT INTO lsr_tns (lsr_id, tn) VALUES (7, '5035550101')"))
    command.upgrade(alembic_config(database), "head")
    with database.engine.connect() as conn:
        ordered = conn.execute(sa.text("SELECT tn FROM tns ORDER BY tn")).scalars().all()
        joined = conn.execute(sa.text("SELECT t.tn FROM tns t JOIN lsr_tns o ON o.tn = t.tn "
                                      "WHERE t.tn > o.tn OR t.tn = o.tn")).scalars().all()
        prefix = conn.execute(sa.text("SELECT count(*) FROM tns WHERE tn LIKE '503555%'"))
        collation = (conn.execute(sa.text(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'tns' AND column_name = 'tn' AND table_schema = current_schema()"
        )).scalar() if conn.dialect.name == "postgresql" else None)
    assert ordered == ["5035550100", "5035550101", "5415550100"]
    assert joined == ["5035550101"] and prefix.scalar() == 2
    if database.engine.dialect.name == "postgresql":
        assert collation == "C"
        from gateway.models import Tn
        assert Tn.__table__.c.tn.type.dialect_impl(database.engine.dialect).collation == "C"
    command.downgrade(alembic_config(database), "0005_open_tn_index_fk")
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tns")).scalar() == 3
    database.engine.dispose()


def test_orders_by_owner_and_versions_by_order_use_the_unique_keys_after_0007(empty_url):
    """0007 drops the plain indexes on lsrs.owner_partner_id and lsr_versions.lsr_id, the
    leading columns of the unique keys: the look-ups they served use those keys instead, and
    the downgrade puts them back."""
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "head")
    queries = {"uq_lsrs_owner_submitter_pon": "SELECT id FROM lsrs WHERE owner_partner_id = 3",
               "uq_lsr_versions_ver": "SELECT id FROM lsr_versions WHERE lsr_id = 3"}
    postgres = database.engine.dialect.name == "postgresql"
    with database.engine.connect() as conn:
        if postgres:  # an empty table is scanned unless told otherwise
            conn.execute(sa.text("SET enable_seqscan = off"))
        for key, query in queries.items():
            plan = " ".join(str(row[-1]) for row in conn.execute(sa.text(
                ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + query)))
            # SQLite names a unique constraint's index sqlite_autoindex_<table>_<n>
            assert (key in plan) if postgres else ("USING" in plan and "autoindex" in plan), plan
        assert "ix_lsrs_owner_partner_id" not in {
            i["name"] for i in sa.inspect(conn).get_indexes("lsrs")}
    command.downgrade(alembic_config(database), "0006_tn_collation_c")
    with database.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "ix_lsrs_owner_partner_id" in {i["name"] for i in inspector.get_indexes("lsrs")}
        assert "ix_lsr_versions_lsr_id" in {i["name"]
                                            for i in inspector.get_indexes("lsr_versions")}
    database.engine.dispose()


def _index_sql(conn, name: str) -> str:
    """The index's definition as the database keeps it."""
    if conn.dialect.name == "postgresql":
        return conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n "
                                    "AND schemaname = current_schema()"),
                            {"n": name}).scalar_one()
    return conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :n"),
                        {"n": name}).scalar_one()


def test_orders_by_window_and_note_due_time_use_partial_indexes_after_0008(empty_url):
    """0008 keeps in ix_lsrs_window_ends_at and ix_lsrs_note_due_at only the orders that have
    the time; the queries by them (which compare the time) still use them, and the downgrade
    makes them whole again."""
    database = Database(empty_url)
    command.upgrade(alembic_config(database), "head")
    queries = {"ix_lsrs_window_ends_at": "SELECT id FROM lsrs WHERE "
                                         "window_ends_at < '2026-12-06 00:00:00'",
               "ix_lsrs_note_due_at": "SELECT id FROM lsrs WHERE note_due_at IS NOT NULL "
                                      "AND note_due_at < '2026-12-06 00:00:00'"}
    postgres = database.engine.dialect.name == "postgresql"
    with database.engine.connect() as conn:
        if postgres:  # an empty table is scanned unless told otherwise
            conn.execute(sa.text("SET enable_seqscan = off"))
        for name, query in queries.items():
            assert "IS NOT NULL" in _index_sql(conn, name)
            plan = " ".join(str(row[-1]) for row in conn.execute(sa.text(
                ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + query)))
            assert name in plan, plan
    command.downgrade(alembic_config(database), "0007_redundant_order_indexes")
    with database.engine.connect() as conn:
        for name in queries:
            assert "IS NOT NULL" not in _index_sql(conn, name)
    database.engine.dispose()
