"""The suite's cheap app per test (tests/app_factory.py) makes the app `create_app` makes."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from gateway import create_app
from tests.app_factory import SharedBuilderRule, fresh_sqlite_app
from tests.conftest import _config


def _schema(app: Flask) -> tuple[list, list]:
    engine = app.extensions["portgate_db"].engine
    with engine.connect() as conn:
        objects = conn.execute(sa.text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")).all()
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return objects, revision


def test_a_copied_sqlite_schema_is_the_one_create_app_makes_and_holds_no_rows():
    made = create_app(_config("sqlite://"))
    fresh_sqlite_app(_config("sqlite://"))  # the first one of a process may make the copy
    copied = fresh_sqlite_app(_config("sqlite://"))
    objects, revision = _schema(copied)
    assert (objects, revision) == _schema(made)
    assert len([o for o in objects if o[0] == "table"]) > 30
    assert any(o[0] == "trigger" and o[1].startswith("audit_events") for o in objects)
    with copied.extensions["portgate_db"].engine.connect() as conn:
        tables = [o[1] for o in objects if o[0] == "table" and o[1] != "alembic_version"]
        assert all(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() == 0
                   for t in tables)


def _value(converter: object) -> object:
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x1"


def _built(app: Flask) -> dict[str, tuple]:
    urls = {}
    for rule in app.url_map.iter_rules():
        values = {name: _value(rule._converters.get(name)) for name in rule.arguments}
        urls[f"{rule.endpoint} {rule.rule}"] = (rule.build(values),
                                                rule.build({**values, "page": 2}))
    return urls


def test_shared_url_builders_build_what_werkzeugs_own_build(monkeypatch):
    shared = create_app(_config("sqlite://", AUTO_SCHEMA=False))
    assert Flask.url_rule_class is SharedBuilderRule
    monkeypatch.setattr(Flask, "url_rule_class", Rule)
    plain = create_app(_config("sqlite://", AUTO_SCHEMA=False))
    assert not any(isinstance(r, SharedBuilderRule) for r in plain.url_map.iter_rules())
    built = _built(shared)
    assert len(built) > 130
    assert built == _built(plain)


def test_serving_from_several_processes_with_the_limit_counted_in_each_is_warned_of():
    from gateway.config import rate_limit_warning
    warning = rate_limit_warning({"API_RATE_LIMIT": 3, "RATELIMIT_STORAGE_URI": "memory://"}, 4)
    assert warning is not None and "up to 12" in warning and "redis://" in warning
    shared = {"API_RATE_LIMIT": 3, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    assert rate_limit_warning(shared, 4) is None
    assert rate_limit_warning({"API_RATE_LIMIT": 3, "RATELIMIT_STORAGE_URI": "memory://"}, 1) \
        is None
    assert rate_limit_warning({"API_RATE_LIMIT": 0, "RATELIMIT_STORAGE_URI": "memory://"}, 4) \
        is None
