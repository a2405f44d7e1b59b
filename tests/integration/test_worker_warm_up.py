"""A served worker warms up before its first request (gateway.platform.warm, gunicorn.conf.py)."""
from __future__ import annotations

import gc
import importlib.util
from types import SimpleNamespace

import sqlalchemy as sa

from gateway import ROOT
from gateway.platform import warm
from validators.calendar import holiday_dates


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("audit_events", "api_tokens", "lsrs", "notices")}


def test_warm_up_loads_calendars_and_runs_the_first_statements_writing_nothing(app, heron):
    holiday_dates.cache_clear()
    engine = app.extensions["portgate_db"].engine
    before = _counts(engine)
    statements: list[str] = []

    def seen(conn, cursor, sql, *rest):
        statements.append(sql)

    # every engine's: on PostgreSQL the test's sessions run on the suite's connection
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", seen)
    try:
        warm.warm_up(app)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", seen)
    assert holiday_dates.cache_info().currsize == 3  # last year, this year, next year
    assert any("FROM api_tokens" in sql for sql in statements)  # the token's look-up
    assert any("UNION ALL" in sql and "lsr_tns" in sql for sql in statements)  # the facts
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                   for sql in statements)
    assert _counts(engine) == before
    profile = app.extensions["portgate_profile"]
    with app.app_context():
        from gateway import clock

        year = clock.now().year
    hits = holiday_dates.cache_info().hits
    holiday_dates(profile.holidays, year)
    assert holiday_dates.cache_info().hits == hits + 1


def test_gunicorn_config_warms_each_worker_with_its_app(monkeypatch):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    warmed, frozen = [], []
    monkeypatch.setattr(warm, "warm_up", warmed.append)
    monkeypatch.setattr(warm, "settle_collector", lambda: frozen.append(len(warmed)))
    served = SimpleNamespace(extensions={"portgate_profile": object()})
    conf.post_worker_init(SimpleNamespace(wsgi=served))
    assert warmed == [served] and frozen == [1]  # settled after the warm-up
    conf.post_worker_init(SimpleNamespace(wsgi=SimpleNamespace(extensions={})))  # not Portgate
    conf.post_worker_init(SimpleNamespace(wsgi=object()))
    assert warmed == [served] and frozen == [1]


def test_a_worker_warms_up_without_the_database_and_serves_anyway(caplog):
    """A database that is down while workers start must not stop them from booting: the
    warm-up logs it, and /readyz answers 503 until the database is back."""
    from gateway import create_app
    from tests.conftest import _config

    app = create_app(_config("postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
                             AUTO_SCHEMA=False))
    holiday_dates.cache_clear()
    warm.warm_up(app)
    assert holiday_dates.cache_info().currsize == 3
    assert "warm-up without the database" in caplog.text
    assert app.test_client().get("/readyz").status_code == 503


def test_settling_the_collector_freezes_what_exists_and_raises_its_first_threshold():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        frozen = gc.get_freeze_count()
        warm.settle_collector()
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold() == (warm.GEN0_THRESHOLD, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
