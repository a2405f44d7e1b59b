"""Real parallel clients need a real, committed PostgreSQL database: one schema per test
(named per xdist worker), a live server on 127.0.0.1, and helpers to fire requests at once."""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from gateway import create_app
from tests.conftest import (
    EXAMPLES,
    FAST_HASH,
    FAST_PASSCODE_HASH,
    MONDAY_10AM_PACIFIC,
    PASSWORD,
    PG_URL,
)
from tests.security.world import write_fresh_accounts

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail when PORTGATE_REQUIRE_POSTGRES is set)."""
    if not PG_URL:
        if os.environ.get("PORTGATE_REQUIRE_POSTGRES"):
            pytest.fail("PORTGATE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL concurrency tests skipped")
    return PG_URL


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def dedicated_schema(name: str) -> Iterator[str]:
    """A fresh PostgreSQL schema (unique per xdist worker); yield its URL, drop it after."""
    base = require_postgres()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = "".join(c if c.isalnum() else "_" for c in f"pgt_{name[:28]}_{worker}".lower())
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema_url(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url(request):
    """A fresh schema of its own for one test, committed for real, dropped afterwards."""
    with dedicated_schema(request.node.name.removeprefix("test_")) as url:
        yield url


def app_config(url: str, **extra) -> dict:
    # the world's 400 passcodes hashed at scrypt's cheapest, as in every other test: at the
    # production cost (~40 hashes/s on 2 cores) `load_world` took ~10 s a test. A stored hash
    # carries its own cost, so the servers and workers these tests start verify them alike.
    return {"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "concurrency", "FROZEN_NOW": MONDAY_10AM_PACIFIC,
            "PASSWORD_HASH": FAST_HASH, "PASSCODE_HASH": FAST_PASSCODE_HASH, **extra}


def wide_pool(app, size: int = 30) -> None:
    """Give the app enough connections for every parallel client to hold one at once."""
    database = app.extensions["portgate_db"]
    database.engine.dispose()
    database.engine = sa.create_engine(database.url, pool_size=size, max_overflow=5,
                                       pool_pre_ping=True)
    database.sessionmaker.configure(bind=database.engine)


def run_cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def load_world(app, tmp_path: Path) -> dict[str, str]:
    """Examples, 400 fresh accounts, partner BHW with a user; return its token."""
    for kind in ("spids", "codes", "blocks", "tns"):
        run_cli(app, "npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")
    run_cli(app, "import-accounts", write_fresh_accounts(tmp_path / "fresh.csv"))
    run_cli(app, "escalation", "import", EXAMPLES / "escalations.csv")
    run_cli(app, "partner", "add", "--name", "Blue Heron Wireless", "--ccna", "BHW",
            "--spid", "B451", "--type", "wireless")
    run_cli(app, "user", "add", "--username", "heron", "--email", "heron@example.net",
            "--password", PASSWORD, "--role", "partner_user", "--partner", "BHW")
    return {"heron": run_cli(app, "token", "issue", "heron").strip()}


@pytest.fixture
def live_app(pg_url, tmp_path):
    """A committed app on its own schema, served by a threaded werkzeug server."""
    app = create_app(app_config(pg_url))
    wide_pool(app)
    with served(app, load_world(app, tmp_path), pg_url) as live:
        yield live


@pytest.fixture(scope="module")
def live_sqlite_app(tmp_path_factory):
    """The same on a SQLite file (the app's own engine: WAL, the writer lock, its pool), one
    per module: its tests use TNs of their own."""
    path = tmp_path_factory.mktemp("live_sqlite")
    url = f"sqlite:///{path / 'live.db'}"
    app = create_app(app_config(url))
    with served(app, load_world(app, path), url) as live:
        yield live


@contextmanager
def served(app, tokens: dict[str, str], db_url: str) -> Iterator[LiveApp]:
    """The app behind a threaded werkzeug server on a free port, until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{server.server_port}", tokens, db_url)
    finally:
        server.shutdown()
        thread.join(5)
        app.extensions["portgate_db"].engine.dispose()


@dataclass
class LiveApp:
    app: object
    url: str
    tokens: dict[str, str]
    db_url: str

    def call(self, method: str, path: str, body=None, token: str = "heron",
             timeout: float = 60) -> tuple[int, dict]:
        return http_json(self.url + path, method, body, self.tokens.get(token, token), timeout)

    def session(self):
        return self.app.extensions["portgate_db"].sessionmaker()


def http_json(url: str, method: str = "GET", body=None, token: str | None = None,
              timeout: float = 60) -> tuple[int, dict]:
    """One JSON request over a real socket; (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def at_once(calls) -> list:
    """Run the callables in parallel threads released together by a barrier; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as err:  # reported to the test, which asserts on it
            results[index] = err

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTGATE_")}
    env.update({"DATABASE_URL": db_url, "PORTGATE_FROZEN_NOW": MONDAY_10AM_PACIFIC,
                "PORTGATE_SECRET_KEY": "concurrency", "PYTHONPATH": str(ROOT), **extra})
    return env
