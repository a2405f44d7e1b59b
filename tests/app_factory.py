"""What makes the suite's app per test cheap (the suite builds some 3,000 apps; on a 2-core
machine `make test` must stay under 15 minutes). Neither changes what an app does:

- **URL builders compiled once per rule.** Werkzeug compiles two builder functions for every
  URL rule of every app (an `ast` tree and `compile`, ~0.2 ms each; Portgate has 139 rules:
  50-70 ms of each `create_app`). A builder is a plain function of the rule's parsed parts that
  takes the rule as its first argument, so rules parsed alike can share it.
  `SharedBuilderRule` keeps each one by what it is compiled from; a rule with defaults is
  compiled as usual (its defaults are folded into the code through its converters).
- **The SQLite schema copied, not created.** `create_all` of ~40 tables with their indexes and
  triggers, and Alembic's stamp, cost ~60 ms per in-memory database. `fresh_sqlite_app`
  creates it once per test process and copies it (SQLite's backup API, well under a
  millisecond) into each new app's empty in-memory database: the same tables, indexes,
  triggers and Alembic revision, with no rows.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from gateway import create_app


class SharedBuilderRule(Rule):
    _builders: dict[tuple[Any, ...], Any] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace))
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


def share_url_builders() -> None:
    Flask.url_rule_class = SharedBuilderRule


_TEMPLATE: list[sqlite3.Connection] = []


def _raw(app: Flask) -> sqlite3.Connection:
    """The in-memory database's one connection (the engine's StaticPool holds it)."""
    engine = app.extensions["portgate_db"].engine
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def fresh_sqlite_app(config: dict[str, Any]) -> Flask:
    """An app on a new in-memory SQLite database holding the schema (as `create_app` would
    make it, from a copy made once per process)."""
    assert config["DATABASE_URL"] == "sqlite://"
    if config.get("AUTO_SCHEMA", True) is False:
        return create_app(config)
    if not _TEMPLATE:
        first = create_app(config)  # the schema made as every app makes it
        template = sqlite3.connect(":memory:", check_same_thread=False)
        _raw(first).backup(template)
        _TEMPLATE.append(template)
        return first
    app = create_app({**config, "AUTO_SCHEMA": False})
    _TEMPLATE[0].backup(_raw(app))
    return app
