"""PostgreSQL plans a statement that a connection repeats once, not on every execution
(issue 17, DATABASE_PLAN_CACHE_MODE): in PostgreSQL's own "auto" mode the submission's facts
statement was planned afresh for every LSR (~0.6 ms of server CPU each)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway import clock, create_app
from gateway.db import make_engine
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.orders.facts import order_facts
from npac.simulator import SqlRegistry
from tests.conftest import PG_URL, _config, _pg_url

pytestmark = pytest.mark.postgres


def _app(**config):
    return create_app(_config(_pg_url(), AUTO_SCHEMA=False, **config))


def _mode(app) -> str:
    with app.extensions["portgate_db"].engine.connect() as conn:
        return conn.exec_driver_sql("SHOW plan_cache_mode").scalar()


def test_postgres_connections_plan_a_repeated_statement_once_by_default(pg_engine):
    app = _app()
    assert _mode(app) == "force_generic_plan"
    app.extensions["portgate_db"].engine.dispose()


def test_auto_leaves_postgresql_its_own_plan_cache_mode(pg_engine):
    app = _app(DATABASE_PLAN_CACHE_MODE="auto")
    assert _mode(app) == "auto"
    app.extensions["portgate_db"].engine.dispose()


def test_the_facts_statement_is_planned_once_per_connection(pg_engine):
    """Seven decisions' facts on one connection: psycopg prepares the statement at its fifth
    run, and PostgreSQL plans it once for all the runs after."""
    app = _app()
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        try:
            for n in range(7):
                order_facts(session, SqlRegistry(session), [f"50355500{n:02d}"],
                            profile=carrier_profile(), now=clock.now(), spids=["B451"])
            generic, custom = session.execute(sa.text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE 'WITH holders AS%'")).one()
        finally:
            session.rollback()
            session.close()
    app.extensions["portgate_db"].engine.dispose()
    assert custom == 0 and generic >= 1, (generic, custom)


def test_an_unknown_plan_cache_mode_is_refused():
    with pytest.raises(ValueError, match="DATABASE_PLAN_CACHE_MODE"):
        make_engine(PG_URL or "postgresql+psycopg://localhost/x", "socket", "sometimes")
