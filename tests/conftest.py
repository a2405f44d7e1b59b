"""Shared fixtures: an app per test on SQLite and on PostgreSQL, clients, builders."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from gateway import create_app
from gateway.db import METADATAS, AppSession
from tests.app_factory import fresh_sqlite_app, share_url_builders

share_url_builders()

EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"
MONDAY_10AM_PACIFIC = "2026-11-23T10:00:00-08:00"
PG_URL = os.environ.get("TEST_DATABASE_URL")
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
FAST_PASSCODE_HASH = {"n": 16, "r": 8, "p": 1}  # scrypt at its cheapest: tests hash many
PASSWORD = "Test-Pass-2026!x"


def unique_schema(prefix: str) -> str:
    """A PostgreSQL schema name of this test process alone (xdist worker and pid), so that
    concurrent test runs on one database never drop each other's tables."""
    return f"{prefix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core_engine(request, tmp_path):
    """An app engine (`gateway.db.make_engine`) on an empty database of the test's own with
    the test module's `META` tables: a SQLite file, then a PostgreSQL schema of its own on
    TEST_DATABASE_URL (dropped after the test)."""
    from gateway.db import make_engine

    prefix = "portgate_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'core.db'}")
    else:
        request.getfixturevalue("pg_engine")
        schema = unique_schema(prefix)
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in PG_URL else "?"
        engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")

        def drop() -> None:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()

        request.addfinalizer(drop)
    request.module.META.create_all(engine)
    yield engine
    engine.dispose()


def _worker_schema() -> str:
    return unique_schema("portgate_test")


def _pg_url() -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{_worker_schema()}"


@pytest.fixture(scope="session")
def pg_engine():
    """One PostgreSQL schema per test worker, its tables created once per session."""
    if not PG_URL:
        if os.environ.get("PORTGATE_REQUIRE_POSTGRES"):
            pytest.fail("PORTGATE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_worker_schema()} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {_worker_schema()}"))
    admin.dispose()
    engine = sa.create_engine(_pg_url())
    for metadata in METADATAS:
        metadata.create_all(engine)
    yield engine
    engine.dispose()
    with sa.create_engine(PG_URL).begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_worker_schema()} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request):
    """Run a database test on SQLite and on PostgreSQL."""
    return request.param


def _config(url: str, **extra) -> dict:
    # MFA_REQUIRED_ROLES=(): tests that are not about sign-in skip the second factor (a
    # TESTING-only key); the two-step tests pass MFA_REQUIRED_ROLES=None (the profile's roles)
    return {"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test", "FROZEN_NOW": MONDAY_10AM_PACIFIC, "PASSWORD_HASH": FAST_HASH,
            "PASSCODE_HASH": FAST_PASSCODE_HASH, "MFA_REQUIRED_ROLES": (), **extra}


@pytest.fixture
def app_overrides():
    """Extra configuration for `app`; a test module overrides this fixture to set keys that
    count only when the app is created (e.g. RATELIMIT_STORAGE_URI)."""
    return {}


@pytest.fixture
def app(db_url, request, app_overrides):
    """A fresh database per test: in-memory SQLite, or a rolled-back PostgreSQL transaction."""
    if db_url == "sqlite":
        application = fresh_sqlite_app(_config("sqlite://", **app_overrides))
        yield application
        application.extensions["portgate_db"].engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    application = create_app(_config(_pg_url(), AUTO_SCHEMA=False, **app_overrides))
    database = application.extensions["portgate_db"]
    connection = engine.connect()
    outer = connection.begin()
    database.sessionmaker = sessionmaker(bind=connection, class_=AppSession,
                                         expire_on_commit=False,
                                         join_transaction_mode="create_savepoint")
    yield application
    outer.rollback()
    connection.close()
    database.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    """A session on the test database inside an app context (commit at will).

    The context stays pushed for the whole test, and Flask's test client reuses a pushed app
    context, so its `g` (Flask-Login's cached user among it) carries over between requests:
    tests that sign in through pages should read the database through `store` instead.
    """
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        yield session
        session.close()


@pytest.fixture
def cli(app):
    """Run a CLI command; return (exit_code, output)."""
    runner = app.test_cli_runner()

    def run(*args):
        result = runner.invoke(args=[str(a) for a in args])
        return result.exit_code, result.output

    return run


@pytest.fixture
def examples(cli):
    """Load the spec's sample NPAC data, accounts and escalation contacts."""
    for kind in ("spids", "codes", "blocks", "tns"):
        code, out = cli("npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")
        assert code == 0, out
    for args in (("import-accounts", EXAMPLES / "accounts.csv"),
                 ("escalation", "import", EXAMPLES / "escalations.csv")):
        code, out = cli(*args)
        assert code == 0, out
    return EXAMPLES


class Actors:
    """Builders for partners, users and tokens through the real CLI."""

    def __init__(self, cli):
        self.cli = cli

    def partner(self, ccna="BHW", name="Blue Heron Wireless", spids=("B451",), type="wireless"):
        args = ["partner", "add", "--name", name, "--ccna", ccna, "--type", type]
        for spid in spids:
            args += ["--spid", spid]
        code, out = self.cli(*args)
        assert code == 0, out
        return ccna

    def user(self, username, role="partner_user", partner="BHW", privileges=()):
        args = ["user", "add", "--username", username, "--email", f"{username}@example.net",
                "--password", PASSWORD, "--role", role]
        if partner and role.startswith("partner"):
            args += ["--partner", partner]
        for p in privileges:
            args += ["--privilege", p]
        code, out = self.cli(*args)
        assert code == 0, out
        return username

    def token(self, username):
        code, out = self.cli("token", "issue", username)
        assert code == 0, out
        return out.strip()


@pytest.fixture
def actors(cli):
    return Actors(cli)


class Api:
    """A JSON client holding a bearer token."""

    def __init__(self, client, token=None):
        self.client, self.token = client, token

    def __call__(self, method, path, body=None, token=None, raw=None):
        token = token or self.token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if raw is not None:
            return self.client.open(path, method=method, headers=headers, data=raw,
                                    content_type="application/json")
        return self.client.open(path, method=method, headers=headers, json=body)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self("POST", path, body, **kw)


@pytest.fixture
def heron(client, examples, actors):
    """Blue Heron Wireless (B451) with a full-privilege user's API client."""
    actors.partner()
    actors.user("heron")
    return Api(client, actors.token("heron"))


LOA = {"filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"}  # a tiny PDF


@pytest.fixture
def agent(client, heron, actors):
    """Port Agents Inc (AGX), an agent company with no approval yet, and its user's API client."""
    actors.partner(ccna="AGX", name="Port Agents Inc", spids=(), type="agent")
    actors.user("agent", partner="AGX")
    return Api(client, actors.token("agent"))


@contextmanager
def recorded_statements(app):
    """The SQL the app's sessions send meanwhile, in order (on SQLite the engine; in the
    PostgreSQL tests the connection the sessionmaker is bound to)."""
    database = app.extensions["portgate_db"]
    bind = database.sessionmaker.kw.get("bind") or database.engine
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(bind, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", listener)


@pytest.fixture
def desk(client, actors):
    """A carrier staff member's API client."""
    actors.user("desk", role="staff", partner=None)
    return Api(client, actors.token("desk"))


@pytest.fixture
def fake_dns(monkeypatch):
    """Webhook hosts resolved from a table (name -> addresses, or a callable giving them);
    other names go to the real resolver. `.example` names resolve nowhere for real."""
    from gateway.services.outbox import webhook_target

    table: dict = {}
    real = webhook_target.resolve

    def resolve(host, port):
        if host in table:
            found = table[host]
            return list(found() if callable(found) else found)
        return real(host, port)

    monkeypatch.setattr(webhook_target, "resolve", resolve)
    return table


def set_now(app, iso: str) -> None:
    """Move the one clock (FROZEN_NOW) of a running app."""
    app.config["FROZEN_NOW"] = iso


# --- staff consoles (issue 5): a signed-in desk and a Montana (manual-state) account --------

MONTANA_ACCOUNT = ("900001,4065550100,BIG SKY RANCH,12,,MAIN,ST,,,,BOZEMAN,MT,59715,4065550100,"
                   "working,pots,N,,,N,ranch@example.net")


def load_montana(cli, tmp_path) -> None:
    """A Montana account (served by CT02), its NPA-NXX in NPAC and a level-1 contact."""
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    (tmp_path / "mt.csv").write_text(f"{header}\n{MONTANA_ACCOUNT}\n")
    (tmp_path / "mt-codes.csv").write_text("npa_nxx,spid,lrn\n406555,CT02,4065550000\n")
    (tmp_path / "mt-esc.csv").write_text("state,level,name,title,email,phone,hours\n"
                                         "MT,1,Montana Desk,Manual desk,mt@cascade.example,"
                                         "4065550900,Mon-Fri 08:00-17:00 Mountain\n")
    for args in (("import-accounts", tmp_path / "mt.csv"),
                 ("npac", "import-codes", tmp_path / "mt-codes.csv"),
                 ("escalation", "import", tmp_path / "mt-esc.csv")):
        code, out = cli(*args)
        assert code == 0, out


@pytest.fixture
def montana(cli, examples, tmp_path):
    load_montana(cli, tmp_path)
    return "900001"


class Web:
    """A browser-like test client signed in through the login form (CSRF off in tests)."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD):
        resp = self.client.post("/login", data={"username": username, "password": password})
        assert resp.status_code == 302, resp.data[:500]
        return resp

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        return self.client.post(path, data=data or {}, **kw)


@pytest.fixture
def web(client, heron):
    """Blue Heron's full-privilege user signed in to the portal."""
    portal = Web(client)
    portal.login("heron")
    return portal


@pytest.fixture
def staff_web(client, actors):
    """A staff admin signed in to the staff console."""
    actors.user("deskadmin", role="staff_admin", partner=None)
    web = Web(client)
    web.login("deskadmin")
    return web


@pytest.fixture
def store(app):
    """A session on the test database outside any app context. Use it beside web requests:
    `db_session` keeps an app context pushed, and requests made meanwhile would share its `g`
    (and with it Flask-Login's cached user)."""
    session = app.extensions["portgate_db"].sessionmaker()
    yield session
    session.close()


# A passcode no page or stored text can hold by chance, for tests that search them for one. The
# examples' "7713" can turn up on its own: PostgreSQL's sequences are not rolled back with a
# test's transaction, so over a run ids grow into any 4-digit string, and salts are random hex.
DISTINCT_PASSCODE = "Heron-Pass-Q7x"  # 1-16 characters (§4.5)
WRONG_PASSCODE = "Wrong-Pass-Z9k"


@pytest.fixture
def distinct_passcode(app, examples, store):
    """Give the example account 884201 DISTINCT_PASSCODE in place of its "7713"."""
    from gateway.models import Account
    from gateway.platform.passcodes import passcode_key
    from validators.passcode import hash_passcode

    store.get(Account, "884201").passcode_hash = hash_passcode(DISTINCT_PASSCODE,
                                                               passcode_key(app.config))
    store.commit()
    return DISTINCT_PASSCODE


# --- two-step sign-in (issue 13, business-rules §1.3.1) ----------------------------------------

class TwoStep:
    """Signs in through both steps with the carrier profile's real `mfa_roles`, on a wall clock
    the test can move (gateway.clock.wall_now, which session limits and TOTP codes read)."""

    def __init__(self, app, monkeypatch):
        import pyotp

        from gateway import clock

        app.config["MFA_REQUIRED_ROLES"] = None  # the profile's roles, as in production
        self.offset = timedelta(0)
        self._totp = pyotp.TOTP
        monkeypatch.setattr(clock, "wall_now", lambda: datetime.now(UTC) + self.offset)

    def wall(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)

    def code(self, secret: str) -> str:
        return self._totp(secret).at(self.wall())

    def enrol(self, client, username, password=PASSWORD, **environ):
        """Sign in for the first time: password, QR enrolment; return (secret, recovery codes)."""
        resp = client.post("/login", data={"username": username, "password": password},
                           environ_base=environ)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/enrol")
        page = client.get("/login/enrol").get_data(as_text=True)
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        resp = client.post("/login/enrol", data={"code": self.code(secret)})
        text = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "Two-step sign-in is on" in text, text[:2000]
        codes = re.findall(r"<li>([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})</li>", text)
        self.advance(seconds=30)  # the next code belongs to a new time step
        return secret, codes

    def sign_in(self, client, username, code, password=PASSWORD):
        """Both steps with `code` (TOTP or recovery); return the second step's answer."""
        resp = client.post("/login", data={"username": username, "password": password})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/code")
        return client.post("/login/code", data={"code": code})


@pytest.fixture
def two_step(app, monkeypatch):
    return TwoStep(app, monkeypatch)


class Inbox:
    """The messages a local SMTP server received (rcpt_tos, text)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); `.url` for SMTP_URL, `.messages`."""
    import socket

    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    yield inbox
    controller.stop()
