"""Browser tests: the real portal served on 127.0.0.1, driven by headless Chromium (Playwright).

Each test gets a fresh database (a SQLite file, or a fresh PostgreSQL schema), a live server in a
thread with CSRF on, and a page; a failing test leaves a screenshot in test-artifacts/screenshots.
Every document the test's pages load is checked by axe-core (tests/browser/a11y.py); a violation
fails the test. Waits are generous (CI runs the suite on two busy cores): assert with Playwright's
auto-waiting `expect`, and wait for the next document after a click that navigates (`follow`).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from werkzeug.serving import make_server

from gateway import create_app
from tests.browser.a11y import AXE_JS, AxeCollector
from tests.conftest import (
    EXAMPLES,
    FAST_HASH,
    MONDAY_10AM_PACIFIC,
    PASSWORD,
    PG_URL,
    Actors,
    unique_schema,
)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000  # actions, navigations and `expect` assertions
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test that passed fails if any page it loaded had an accessibility violation."""
    result = yield
    collector = item.funcargs.get("axe")
    if isinstance(collector, AxeCollector) and collector.enabled:
        collector.settle()
        if collector.violations:
            raise AssertionError(collector.report())
    return result


@pytest.fixture(scope="session")
def axe_enabled() -> bool:
    """Whether axe-core is installed (`make test` runs npm ci); CI requires it."""
    if AXE_JS.exists():
        return True
    if os.environ.get("PORTGATE_REQUIRE_BROWSER"):
        pytest.fail(f"PORTGATE_REQUIRE_BROWSER is set but {AXE_JS} is missing: run `make test` "
                    "(or `npm ci`) to install axe-core from package-lock.json")
    warnings.warn(f"{AXE_JS} is missing: the browser tests run without their accessibility "
                  "checks (`make test` installs axe-core with npm)", stacklevel=1)
    return False


@pytest.fixture
def axe(axe_enabled) -> AxeCollector:
    """The accessibility violations of this test's pages."""
    return AxeCollector(enabled=axe_enabled)


class CheckedBrowser:
    """The session's Chromium as the tests see it: each new context is checked by axe and has
    the generous default timeouts; a context closed by the test is settled first."""

    def __init__(self, chromium, collector: AxeCollector):
        self._chromium = chromium
        self._axe = collector
        self._contexts: list = []

    def new_context(self, **options):
        context = self._chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        if options.get("java_script_enabled", True):
            # axe is a script: a context with scripts off is checked by its scripted twin
            self._axe.watch(context)
        close = context.close

        def settle_then_close(**kwargs):
            self._axe.release(context)
            close(**kwargs)

        context.close = settle_then_close
        self._contexts.append(context)
        return context

    def close_all(self) -> None:
        for context in self._contexts:
            context.close()

    def __getattr__(self, name):
        return getattr(self._chromium, name)


@pytest.fixture
def browser(chromium, axe):
    """New contexts on the session's Chromium, checked by axe; closed at the end of the test."""
    checked = CheckedBrowser(chromium, axe)
    yield checked
    checked.close_all()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium per test worker."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("PORTGATE_REQUIRE_BROWSER"):
            pytest.fail("PORTGATE_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _browser_schema() -> str:
    return unique_schema("portgate_browser")


def _database_url(db_url: str, tmp_path: Path) -> str:
    if db_url == "sqlite":
        return f"sqlite:///{tmp_path / 'browser.db'}"
    schema = _browser_schema()
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


class LiveServer:
    """The portal served by werkzeug in a thread, with helpers to load data through the CLI."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.actors = Actors(self.cli_ok)

    def cli(self, *args):
        result = self.app.test_cli_runner().invoke(args=[str(a) for a in args])
        return result.exit_code, result.output

    def cli_ok(self, *args):
        code, out = self.cli(*args)
        assert code == 0, f"flask {' '.join(map(str, args))}: {out}"
        return code, out

    def load_examples(self):
        """Load the spec's sample NPAC data, accounts and escalation contacts."""
        for kind in ("spids", "codes", "blocks", "tns"):
            self.cli_ok("npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")
        self.cli_ok("import-accounts", EXAMPLES / "accounts.csv")
        self.cli_ok("escalation", "import", EXAMPLES / "escalations.csv")

    def set_now(self, iso: str) -> None:
        self.app.config["FROZEN_NOW"] = iso

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.app.extensions["portgate_db"].engine.dispose()


def _marked_config(request) -> dict:
    """Extra app configuration from a test's `live_config` marker (e.g. the real MFA roles)."""
    marker = request.node.get_closest_marker("live_config")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live(request, tmp_path):
    """A live portal on a fresh database, with CSRF enforced as in production."""
    if request.param == "postgres" and not PG_URL:
        if os.environ.get("PORTGATE_REQUIRE_POSTGRES"):
            pytest.fail("PORTGATE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    app = create_app({"DATABASE_URL": _database_url(request.param, tmp_path), "TESTING": True,
                      "WTF_CSRF_ENABLED": True, "SECRET_KEY": "browser-test",
                      "FROZEN_NOW": MONDAY_10AM_PACIFIC, "PASSWORD_HASH": FAST_HASH,
                      "MFA_REQUIRED_ROLES": (),
                      **_marked_config(request)})
    server = LiveServer(app)
    yield server
    server.stop()
    if request.param == "postgres":
        with sa.create_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_browser_schema()} CASCADE"))


@pytest.fixture
def page(browser, live, request):
    """A fresh browser context and page; a screenshot is saved when the test fails."""
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except PlaywrightError as err:  # e.g. a navigation still held: the failure says enough
            warnings.warn(f"no screenshot of the failed test: {err.message}", stacklevel=1)
    context.close()


def follow(page, target) -> None:
    """Click (or press, for a callable) something that loads a new document, and wait until
    that document has loaded: what a user sees after a form post or a link."""
    with page.expect_navigation():
        if callable(target):
            target()
        else:
            target.click()


def login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form (the next page has loaded when this returns)."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name=re.compile("sign in", re.I)))
