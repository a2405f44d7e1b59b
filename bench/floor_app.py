"""Issue 17's "lean skeleton", built to be measured beside Portgate (bench/run_all.py).

The issue compared Portgate with "a lean skeleton measured the same way — Flask + SQLAlchemy
Core, a token look-up, four reads and five inserts in one transaction, no rules at all" (0.20 ×
`/readyz` on PostgreSQL, 0.17 × on SQLite, on the machine it was measured on). This is that
skeleton, so that `make bench` puts its ratio beside Portgate's in the same run and the same
minutes: what the stack itself allows on this machine, with no rule, ORM object, notice,
audit payload or response of Portgate's.

    gunicorn -w 2 --pythonpath bench 'floor_app:create_app()'   (DATABASE_URL: the bench's)

`POST /api/v1/lsrs` takes the bench's own LSR bodies (http_bench.LUA): the bearer token is
looked up in `api_tokens` (its SHA-256, as Portgate stores it), then the account, its TNs, the
TN's open orders and its pending SVs are read from Portgate's tables, and five rows are
inserted into the skeleton's own tables (`prepare` creates them): an order (RETURNING its id),
a version, its TN, an audit row and a notice. 201 with `{"id", "pon", "status"}`. `/readyz` is
Portgate's. The engine is Portgate's own (`gateway.db.make_engine`: the same pool check and
plan cache mode on PostgreSQL; WAL and the writer lock on SQLite), so the comparison is of the
request paths, not of connection settings. Not part of the app: nothing imports it.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request

from gateway.db import make_engine
from gateway.platform.warm import settle_collector

TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_orders (id {serial}, pon VARCHAR(16), "
    "account_number VARCHAR(20), partner_id INTEGER, status VARCHAR(20), "
    "received_at VARCHAR(40))",
    "CREATE TABLE IF NOT EXISTS floor_versions (id {serial}, order_id INTEGER, ver VARCHAR(2), "
    "payload TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_tns (order_id INTEGER, tn VARCHAR(10), "
    "PRIMARY KEY (order_id, tn))",
    "CREATE TABLE IF NOT EXISTS floor_audit (id {serial}, order_id INTEGER, event VARCHAR(40), "
    "at VARCHAR(40), data TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_notices (id {serial}, order_id INTEGER, "
    "event VARCHAR(40), data TEXT)",
)

TOKEN = sa.text("SELECT u.id, u.partner_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND u.disabled_at IS NULL")
ACCOUNT = sa.text("SELECT account_number, state, zip, passcode_hash, port_freeze FROM accounts "
                  "WHERE account_number = :an")
ACCOUNT_TNS = sa.text("SELECT tn, status FROM tns WHERE account_number = :an")
OPEN_ORDERS = sa.text("SELECT lsr_id FROM lsr_tns WHERE tn = :tn")
PENDING_SVS = sa.text(  # `status <> 'active'`: the words of the partial index on open SVs
    "SELECT id, status FROM npac_subscription_versions WHERE tn = :tn AND status <> 'active' "
    "AND status IN ('pending', 'conflict')")
NEW_ORDER = sa.text("INSERT INTO floor_orders (pon, account_number, partner_id, status, "
                    "received_at) VALUES (:pon, :an, :partner, :status, :at) RETURNING id")
NEW_VERSION = sa.text("INSERT INTO floor_versions (order_id, ver, payload) "
                      "VALUES (:order, :ver, :payload)")
NEW_TN = sa.text("INSERT INTO floor_tns (order_id, tn) VALUES (:order, :tn)")
NEW_AUDIT = sa.text("INSERT INTO floor_audit (order_id, event, at, data) "
                    "VALUES (:order, 'lsr.received', :at, :data)")
NEW_NOTICE = sa.text("INSERT INTO floor_notices (order_id, event, data) "
                     "VALUES (:order, :event, :data)")


def prepare(engine: sa.Engine) -> None:
    """Create the skeleton's tables (once, before its server starts)."""
    serial = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else \
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    with engine.begin() as conn:
        for ddl in TABLES:
            conn.exec_driver_sql(ddl.format(serial=serial))


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.get("/readyz")
    def readyz():  # Portgate's, word for word
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return jsonify({"status": "unavailable"}), 503
        return jsonify({"status": "ok"})

    @app.post("/api/v1/lsrs")
    def create_lsr():
        body = request.get_json(silent=True)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if not isinstance(body, dict) or not isinstance(body.get("tns"), list) \
                or not body["tns"]:
            return jsonify({"error": "invalid_input"}), 400
        digest = hashlib.sha256(token.strip().encode()).hexdigest()
        tn, now = str(body["tns"][0]), datetime.now(UTC).isoformat()
        with engine.begin() as conn:
            user = conn.execute(TOKEN, {"digest": digest}).first()
            if scheme.lower() != "bearer" or user is None:
                return jsonify({"error": "unauthorized"}), 401
            account = conn.execute(ACCOUNT, {"an": body.get("an")}).first()
            numbers = conn.execute(ACCOUNT_TNS, {"an": body.get("an")}).all()
            held = conn.execute(OPEN_ORDERS, {"tn": tn}).all()
            pending = conn.execute(PENDING_SVS, {"tn": tn}).all()
            ok = account is not None and tn in {row.tn for row in numbers} and not held \
                and not pending
            status = "foc" if ok else "reject"
            order = conn.execute(NEW_ORDER, {"pon": body.get("pon"), "an": body.get("an"),
                                             "partner": user.partner_id, "status": status,
                                             "at": now}).scalar_one()
            conn.execute(NEW_VERSION, {"order": order, "ver": body.get("ver"),
                                       "payload": json.dumps(body)})
            conn.execute(NEW_TN, {"order": order, "tn": tn})
            conn.execute(NEW_AUDIT, {"order": order, "at": now,
                                     "data": json.dumps({"status": status})})
            conn.execute(NEW_NOTICE, {"order": order, "event": f"lsr.{status}",
                                      "data": json.dumps({"id": order, "status": status})})
        return jsonify({"id": order, "pon": body.get("pon"), "status": status}), 201

    settle_collector()  # served as Portgate is (app.py settles its collector too)
    return app
