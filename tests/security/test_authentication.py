"""Authentication hardening: hashing, lockouts, the IP throttle, cookies, sessions, CSRF,
security headers and API tokens (issue 8 §2)."""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway import clock, create_app
from gateway.config import build_config
from gateway.models import ApiToken, AuditEvent, LoginThrottle, User
from gateway.platform.security import password_problems
from gateway.services.identity import users
from gateway.services.identity.actors import CLI
from gateway.services.identity.user_admin import temporary_password
from tests.conftest import PASSWORD, Api, _config, set_now

ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password=PASSWORD, ip="127.0.0.1", **extra):
    return client.post("/login", data={"username": username, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": ip})


@contextmanager
def unit(app):
    """A committed unit of work in its own app context (the `db_session` fixture keeps one app
    context for the whole test, and so one `g`, which would carry Flask-Login's user from one
    request to the next)."""
    with app.app_context():
        with app.extensions["portgate_db"].sessionmaker() as session, session.begin():
            yield session


def count(app, model, *where) -> int:
    with unit(app) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def heron_user(actors):
    actors.partner()
    return actors.user("heron")


def test_passwords_are_argon2id_hashes_and_the_policy_refuses_weak_ones(heron_user, db_session):
    user = db_session.scalar(sa.select(User).where(User.username == "heron"))
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert password_problems("short1A!")
    assert password_problems("alllowercaseletters")
    assert password_problems("Heron-Pass-2026!", "heron")
    assert password_problems(PASSWORD, "heron") == []


@pytest.mark.parametrize("username", ["e", "E", "7", "-", "sam"])
def test_a_temporary_password_always_meets_the_policy_for_its_user(username):
    # A one-character username turns up in about 4 draws in 10, so 200 draws would find a
    # password that held it, were it not drawn again (CI once drew "sam" inside sam's).
    drawn = {temporary_password(username) for _ in range(200)}
    assert len(drawn) == 200
    assert all(password_problems(p, username) == [] for p in drawn)
    assert all(username.lower() not in p.lower() for p in drawn)


def test_failed_logins_from_one_address_are_throttled_then_released(app, client, heron_user):
    app.config.update(LOGIN_IP_MAX_FAILURES=3, LOGIN_IP_BLOCK_SECONDS=900)
    for n in range(3):  # three different usernames: a per-user lock would not see this
        assert login(client, f"guess{n}", "Wrong-Pass-2026!", ip="203.0.113.9").status_code == 200
    blocked = login(client, "heron", ip="203.0.113.9")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in blocked.data
    assert login(client, "heron", ip="198.51.100.7").status_code == 302  # another address
    client.post("/logout")
    assert count(app, AuditEvent, AuditEvent.action == "login.ip_blocked") == 1
    with unit(app) as session:
        assert session.get(LoginThrottle, "203.0.113.9").blocked_until is not None
    set_now(app, "2026-11-23T10:16:00-08:00")
    assert login(client, "heron", ip="203.0.113.9").status_code == 302


def test_the_throttle_window_forgets_old_failures(app, client, heron_user):
    app.config.update(LOGIN_IP_MAX_FAILURES=3, LOGIN_IP_WINDOW_SECONDS=600)
    for _ in range(2):
        login(client, "nobody", "Wrong-Pass-2026!", ip="203.0.113.10")
    set_now(app, "2026-11-23T10:11:00-08:00")
    for _ in range(2):
        assert login(client, "nobody", "Wrong-Pass-2026!", ip="203.0.113.10").status_code == 200
    assert login(client, "heron", ip="203.0.113.10").status_code == 302


def test_user_backoff_is_temporary_and_audited(app, client, heron_user):
    for _ in range(5):
        login(client, "heron", "Wrong-Pass-2026!")
    assert b"Too many failed sign-ins" in login(client, "heron").data
    assert count(app, AuditEvent, AuditEvent.action == "login.backoff_started") == 1
    set_now(app, "2026-11-23T10:00:16-08:00")  # the first wait is 15 seconds
    assert login(client, "heron").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, heron_user):
    resp = login(client, "heron", remember="y")
    cookies = resp.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    device = next(c for c in cookies if c.startswith("portgate_device="))
    assert not any(c.startswith("remember_token=") for c in cookies)  # no year-long cookie
    for cookie in (session, device):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP in development
    assert "Strict-Transport-Security" not in resp.headers


def test_cookies_are_secure_behind_tls(monkeypatch):
    monkeypatch.setenv("PORTGATE_SESSION_COOKIE_SECURE", "1")
    assert build_config("/tmp", None)["SESSION_COOKIE_SECURE"] is True
    app = create_app(_config("sqlite://", SESSION_COOKIE_SECURE=True))
    runner = app.test_cli_runner()
    for args in (["partner", "add", "--name", "Heron", "--ccna", "BHW", "--spid", "B451",
                  "--type", "wireless"],
                 ["user", "add", "--username", "heron", "--email", "h@example.net",
                  "--password", PASSWORD, "--role", "partner_user", "--partner", "BHW"]):
        assert runner.invoke(args=args).exit_code == 0
    resp = login(app.test_client(), "heron", remember="y")
    cookies = resp.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["portgate_db"].engine.dispose()


def test_password_change_ends_every_other_session(app, client, heron_user):
    other = app.test_client()
    login(client, "heron")
    login(other, "heron")
    assert other.get("/portal/").status_code == 200
    with unit(app) as session:
        user = users.user_by_username(session, "heron")
        users.set_password(session, user, "Brand-New-Pass-2026!", actor=CLI, now=clock.now())
    assert other.get("/portal/").status_code == 302
    assert client.get("/portal/").status_code == 302
    assert login(other, "heron", "Brand-New-Pass-2026!").status_code == 302


def test_disabling_a_user_ends_sessions_and_tokens_at_once(client, heron_user, actors, cli):
    token = Api(client, actors.token("heron"))
    login(client, "heron")
    assert client.get("/portal/").status_code == 200
    assert token.get("/api/v1/lsrs").status_code == 200
    assert cli("user", "disable", "heron")[0] == 0
    assert client.get("/portal/").status_code == 302
    assert token.get("/api/v1/lsrs").status_code == 401


def test_logout_cannot_be_undone_by_replaying_the_cookie(app, client, heron_user):
    login(client, "heron")
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/portal/").status_code == 302
    assert count(app, AuditEvent, AuditEvent.action == "user.logout") == 1


def post_rules(app):
    """Every page route that takes a POST (the API uses bearer tokens: no cookies, no CSRF)."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            values = {name: "suspend" if name == "action" else 1 for name in rule.arguments}
            yield adapter.build(rule.endpoint, values, method="POST")


def test_every_form_refuses_a_post_without_csrf_token(db_url, request):
    """Each portal form posted without its CSRF token: 400, nothing changes."""
    base = request.getfixturevalue("app")
    app = create_app({**base.config, "WTF_CSRF_ENABLED": True, "AUTO_SCHEMA": False})
    app.extensions["portgate_db"] = base.extensions["portgate_db"]
    client = app.test_client()
    urls = list(post_rules(app))
    assert "/login" in urls and "/logout" in urls
    for url in urls:
        resp = client.post(url, data={"username": "x", "password": "y", "name": "z"})
        assert resp.status_code == 400, f"POST {url} without a CSRF token: {resp.status_code}"
        assert b"CSRF" in resp.data or b"csrf" in resp.data, url
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the login form carries a CSRF token"
    resp = client.post("/login", data={"username": "x", "password": "y",
                                       "csrf_token": token.group(1)})
    assert resp.status_code == 200 and b"Invalid username or password" in resp.data


def test_api_needs_no_csrf_token(db_url, request):
    base = request.getfixturevalue("app")
    app = create_app({**base.config, "WTF_CSRF_ENABLED": True, "AUTO_SCHEMA": False})
    app.extensions["portgate_db"] = base.extensions["portgate_db"]
    resp = app.test_client().post("/api/v1/lsrs", json={})
    assert resp.status_code == 401  # refused for want of a token, not of a CSRF token


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/api/v1/no-such", 404),
                                          ("/login", 200), ("/static/portgate.js", 200),
                                          ("/api/v1/lsrs", 401), ("/healthz", 200)])
def test_security_headers_on_every_kind_of_answer(client, path, status):
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == status
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
        .split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_templates_hold_no_inline_script():
    """The CSP forbids inline script; no template may rely on it (JSON data blocks, which a
    browser never runs, are allowed when rendered through `|tojson`)."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text, re.I):
            tag = match.group(0)
            data_block = re.search(r"type=[\"']application/json[\"']", tag)
            if data_block:  # a JSON island is data, never run; it must go through |tojson
                end = text.index("</script>", match.end())
                if "|tojson" not in text[match.end():end]:
                    offenders.append(f"{path.name}: JSON data block without |tojson")
            elif "src=" not in tag:
                offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text, re.I):
            offenders.append(f"{path.name}: inline event handler")
        if re.search(r"href\s*=\s*[\"']\s*javascript:", text, re.I):
            offenders.append(f"{path.name}: javascript: URL")
    assert not offenders, offenders


def test_api_tokens_are_hashed_shown_once_revocable_and_expiring(app, client, heron_user,
                                                                 actors, db_session):
    text = actors.token("heron")
    api = Api(client, text)
    row = db_session.scalar(sa.select(ApiToken))
    assert row.token_hash == hashlib.sha256(text.encode()).hexdigest()
    assert text not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    trail = " ".join(str((e.before, e.after, e.details)) for e in db_session.scalars(
        sa.select(AuditEvent)))
    assert text not in trail and row.prefix in text
    assert api.get("/api/v1/lsrs").status_code == 200
    assert text not in api.get("/api/v1/lsrs").get_data(as_text=True)

    users.revoke_token(db_session, row, actor=CLI, now=clock.now())
    db_session.commit()
    assert api.get("/api/v1/lsrs").status_code == 401

    user = users.user_by_username(db_session, "heron")
    expires = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 12:00 Pacific
    _row, second = users.issue_token(db_session, user, actor=CLI, now=clock.now(),
                                     expires_at=expires)
    db_session.commit()
    assert Api(client, second).get("/api/v1/lsrs").status_code == 200
    set_now(app, (expires + timedelta(seconds=1)).isoformat())
    resp = Api(client, second).get("/api/v1/lsrs")
    assert resp.status_code == 401 and "expired" in resp.get_json()["error"]["message"]


def test_suspended_partners_users_cannot_sign_in_or_call_the_api(app, client, heron_user,
                                                                actors):
    from gateway.services.partners.directory import partner_by_ccna, set_partner_status

    api = Api(client, actors.token("heron"))
    with unit(app) as session:
        set_partner_status(session, partner_by_ccna(session, "BHW"), "suspended", actor=CLI,
                           now=clock.now())
    assert api.get("/api/v1/lsrs").status_code == 401
    assert b"disabled or its company is suspended" in login(client, "heron").data
