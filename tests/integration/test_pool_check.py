"""A database restart costs no failed request (issue 17): the pool's checkout check replaces a
connection the server ended, without a round trip per request (DATABASE_POOL_CHECK)."""
from __future__ import annotations

import select
import time

import pytest
import sqlalchemy as sa

from gateway import create_app
from gateway.db import make_engine
from tests.conftest import PG_URL, _config, _pg_url


def _app(check: str):
    return create_app(_config(_pg_url(), AUTO_SCHEMA=False, DATABASE_POOL_CHECK=check))


def _end_pooled_connections(engine: sa.Engine) -> None:
    """What a server restart does to the idle pooled connections: end their backends."""
    with engine.connect() as conn:  # the pool's one connection, given back at once
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        fileno = conn.connection.dbapi_connection.fileno()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    deadline = time.monotonic() + 5
    while not select.select([fileno], [], [], 0.05)[0]:  # the server's goodbye has arrived
        assert time.monotonic() < deadline


@pytest.mark.parametrize("check", ["socket", "ping"])
def test_requests_after_the_server_ended_the_pooled_connections_succeed(pg_engine, check):
    app = _app(check)
    client = app.test_client()
    engine = app.extensions["portgate_db"].engine
    assert client.get("/readyz").status_code == 200
    _end_pooled_connections(engine)
    assert client.get("/readyz").status_code == 200
    with app.extensions["portgate_db"].unit_of_work() as session:  # a request's session too
        assert session.scalar(sa.text("SELECT 1")) == 1
    _end_pooled_connections(engine)
    with app.extensions["portgate_db"].unit_of_work() as session:
        assert session.scalar(sa.text("SELECT 1")) == 1
    engine.dispose()


def test_without_a_check_the_first_request_after_a_restart_fails(pg_engine):
    """The simulation is real: with no check the dead connection reaches a request."""
    app = _app("none")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    _end_pooled_connections(app.extensions["portgate_db"].engine)
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200  # the pool was invalidated by the failure
    app.extensions["portgate_db"].engine.dispose()


@pytest.mark.parametrize(("check", "pings"), [("socket", 0), ("ping", 3)])
def test_only_the_ping_check_costs_a_round_trip_per_checkout(pg_engine, monkeypatch, check,
                                                             pings):
    engine = make_engine(_pg_url(), check)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    calls: list[object] = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping",
                        lambda dbapi_connection: calls.append(1) or real(dbapi_connection))
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 2").scalar() == 2
    assert len(calls) == pings
    engine.dispose()


def test_an_unknown_pool_check_is_refused():
    with pytest.raises(ValueError, match="DATABASE_POOL_CHECK"):
        make_engine(PG_URL or "postgresql+psycopg://localhost/x", "sometimes")
