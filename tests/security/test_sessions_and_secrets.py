"""Sessions end on wall-clock limits (business-rules §1.3.1); temporary passwords; no built-in
secret key, links on BASE_URL, proxies, and `next` (api-contract §1, issue 13 findings)."""
from __future__ import annotations

import os
import re
import stat

import flask
import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from gateway import create_app
from gateway.config import instance_secret_key
from gateway.models import AuditEvent, Delivery, Notice, User
from tests.conftest import PASSWORD, Web, _config, set_now


def login(client, username, password=PASSWORD, **kw):
    return client.post("/login", data={"username": username, "password": password, **kw})


@pytest.fixture
def heron(actors):
    actors.partner()
    return actors.user("heron")


# --- session limits: 30 idle minutes, 12 hours at most, on the wall clock ----------------------

def test_a_session_ends_after_thirty_idle_minutes(client, heron, two_step):
    login(client, "heron")
    two_step.advance(minutes=29)
    assert client.get("/portal/").status_code == 200
    two_step.advance(minutes=31)
    resp = client.get("/portal/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert b"30 minutes without activity" in client.get("/login").data


def test_activity_keeps_a_session_but_never_past_twelve_hours(client, heron, two_step):
    login(client, "heron", remember="y")
    for _ in range(28):  # a request every 25 minutes: 11 h 40 min
        two_step.advance(minutes=25)
        assert client.get("/portal/").status_code == 200
    two_step.advance(minutes=25)  # 12 h 05 min after signing in
    assert client.get("/portal/").status_code == 302
    assert b"at most 12 hours" in client.get("/login").data


def _session_cookie_set(resp) -> bool:
    return any(c.startswith("session=") for c in resp.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("background", [{"Sec-Fetch-Mode": "cors"},
                                        {"X-Portgate-Background": "1"}])
@pytest.mark.parametrize("remember", ["", "y"])
def test_a_scripts_background_request_never_sets_the_session_cookie(client, heron, background,
                                                                    remember):
    # its answer can come after a page's and would put back the session it left with (the
    # page's flash message lost; a browser test caught it)
    login(client, "heron", remember=remember)
    page = client.get("/portal/lsrs/new", headers={"Sec-Fetch-Mode": "navigate"})
    assert page.status_code == 200 and _session_cookie_set(page)
    check = client.post("/portal/lsrs/check-tns", data={"tns": "5415550142"},
                        headers=background)
    assert check.status_code == 200 and "lines" in check.get_json()
    assert not _session_cookie_set(check)


def test_a_request_without_the_cookie_opens_an_empty_session_without_the_signer(
        app, client, heron, monkeypatch):
    """Every API call comes without the session cookie: it gets an empty session, and Flask's
    signing serializer (built per request to read a cookie) is not made for it."""
    built = []
    original = SecureCookieSessionInterface.get_signing_serializer

    def counting(self, flask_app):
        built.append(1)
        return original(self, flask_app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counting)
    anonymous = app.test_client()
    resp = anonymous.get("/api/v1/lsrs", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401 and built == []
    assert not _session_cookie_set(resp)
    with app.test_request_context("/api/v1/lsrs"):
        opened = app.session_interface.open_session(app, flask.request)
        assert opened is not None and dict(opened) == {} and not opened.modified
    assert built == []
    login(client, "heron")  # a signed-in browser's cookie is read with the serializer
    assert client.get("/portal/").status_code == 200 and built


def test_background_requests_do_not_keep_an_idle_session_alive(client, heron, two_step):
    login(client, "heron")
    background = {"Sec-Fetch-Mode": "same-origin"}
    two_step.advance(minutes=20)  # a page left open, its script polling
    assert client.post("/portal/lsrs/check-tns", data={"tns": ""},
                       headers=background).status_code == 200
    two_step.advance(minutes=20)  # 40 minutes since the last page the user asked for
    polled = client.post("/portal/lsrs/check-tns", data={"tns": ""}, headers=background)
    assert polled.status_code == 302 and polled.headers["Location"].startswith("/login")
    resp = client.get("/portal/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_session_limits_follow_the_wall_clock_not_the_frozen_one(app, client, heron, two_step):
    login(client, "heron")
    set_now(app, "2026-12-25T10:00:00-08:00")  # a month later for the business rules
    assert client.get("/portal/").status_code == 200


def test_a_stolen_cookie_dies_with_the_idle_limit_even_if_replayed(app, client, heron,
                                                                   two_step):
    login(client, "heron")
    stolen = client.get_cookie("session").value
    two_step.advance(minutes=31)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/portal/").status_code == 302


def test_no_year_long_remember_me_cookie(client, heron):
    resp = login(client, "heron", remember="y")
    cookies = resp.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token=") for c in cookies)
    session = next(c for c in cookies if c.startswith("session="))
    expires = re.search(r"Expires=([^;]+)", session)
    assert expires  # kept across a browser restart, but the server ends it at 12 h anyway


# --- temporary passwords --------------------------------------------------------------------

def test_a_password_reset_by_an_admin_must_be_changed_before_anything_else(app, client, actors,
                                                                           store):
    actors.partner()
    actors.user("chief", role="partner_admin")
    actors.user("heron")
    admin = Web(app.test_client())
    admin.login("chief")
    uid = store.scalar(sa.select(User.id).where(User.username == "heron"))
    page = admin.post(f"/admin/users/{uid}/reset-password").get_data(as_text=True)
    temporary = re.search(r'id="secret"[^>]*value="([^"]+)"', page).group(1)
    resp = login(client, "heron", temporary)
    assert resp.headers["Location"].endswith("/password/new")
    for path in ("/portal/", "/portal/orders", "/profile"):
        assert client.get(path).headers["Location"].endswith("/password/new"), path
    weak = client.post("/password/new", data={"current": temporary, "new": "short",
                                              "confirm": "short"})
    assert weak.status_code == 422
    resp = client.post("/password/new", data={"current": temporary,
                                              "new": "Heron-Own-Pass-2026!x",
                                              "confirm": "Heron-Own-Pass-2026!x"})
    assert resp.status_code == 422  # contains the username
    resp = client.post("/password/new", data={"current": temporary, "new": "Blue-Sky-Pass-2026!",
                                              "confirm": "Blue-Sky-Pass-2026!"})
    assert resp.status_code == 302 and client.get("/portal/").status_code == 200
    store.expire_all()
    assert store.get(User, uid).must_change_password is False


def test_a_password_the_user_chose_is_not_temporary(client, heron, store):
    assert login(client, "heron").headers["Location"].endswith("/portal/")
    assert client.get("/password/new").status_code == 302


# --- the secret key -------------------------------------------------------------------------

def _forge(key: str, payload: dict) -> str:
    fake = flask.Flask("forger")
    fake.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(fake).dumps(payload)


def test_without_a_configured_key_one_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    config = {k: v for k, v in _config("sqlite://").items() if k != "SECRET_KEY"}
    monkeypatch.delenv("PORTGATE_SECRET_KEY", raising=False)
    first = create_app(config)
    second = create_app(config)
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key == second.config["SECRET_KEY"] != "dev-only-change-me"
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert instance_secret_key(str(tmp_path / "other")) != key  # another instance, another key
    for app in (first, second):
        app.extensions["portgate_db"].engine.dispose()


def test_the_retired_built_in_key_is_refused():
    with pytest.raises(RuntimeError, match="retired"):
        create_app(_config("sqlite://", SECRET_KEY="dev-only-change-me"))


def test_a_cookie_forged_with_the_old_default_key_gets_nothing(tmp_path, monkeypatch, db_url,
                                                               request):
    base = request.getfixturevalue("app")
    request.getfixturevalue("actors").user("desk", role="staff_admin", partner=None)
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    config = {k: v for k, v in base.config.items() if k != "SECRET_KEY"}
    app = create_app({**config, "AUTO_SCHEMA": False})
    app.extensions["portgate_db"] = base.extensions["portgate_db"]
    client = app.test_client()
    client.set_cookie("session", _forge("dev-only-change-me", {"_user_id": "1:1",
                                                               "_fresh": True}))
    resp = client.get("/staff/partners")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


# --- links, proxies, next --------------------------------------------------------------------

def test_emailed_links_use_base_url_not_the_host_header(app, staff_web, store):
    from tests.functional.test_staff_onboarding import record

    app.config["BASE_URL"] = "https://portgate.cascade.example/"
    partner = record(staff_web, store)
    evil = app.test_client()  # the staff admin's session, on a request for another host
    evil.set_cookie("session", staff_web.client.get_cookie("session").value,
                    domain="portgate.evil.example")
    resp = evil.post(f"/staff/partners/{partner.id}/approve",
                     base_url="http://portgate.evil.example",
                     headers={"X-Forwarded-Host": "portgate.evil.example"})
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]
    bodies = store.scalars(sa.select(Notice.body).join(Delivery).where(
        Notice.event == "partner.welcome")).all()
    assert bodies and all("https://portgate.cascade.example/welcome/" in b for b in bodies)
    assert not any("evil" in b for b in bodies)


def _login_ip(store) -> str:
    store.expire_all()
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.login")
                         .order_by(AuditEvent.id.desc()))
    return event.details["ip"]


def test_forwarded_addresses_count_only_behind_the_configured_proxies(app, client, heron,
                                                                      store):
    client.post("/login", data={"username": "heron", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "10.0.0.5"},
                headers={"X-Forwarded-For": "203.0.113.77"})
    assert _login_ip(store) == "10.0.0.5"  # no proxy configured: the header is ignored
    client.post("/logout")
    app.config["PROXY_COUNT"] = 1
    client.post("/login", data={"username": "heron", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "10.0.0.5"},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.77"})
    assert _login_ip(store) == "203.0.113.77"  # the one hop the balancer vouches for


def test_clients_behind_one_balancer_get_their_own_throttle(app, client, heron):
    app.config.update(PROXY_COUNT=1, LOGIN_IP_MAX_FAILURES=3)
    for n in range(3):
        client.post("/login", data={"username": f"guess{n}", "password": "Wrong-Pass-2026!"},
                    environ_base={"REMOTE_ADDR": "10.0.0.5"},
                    headers={"X-Forwarded-For": "203.0.113.66"})
    resp = client.post("/login", data={"username": "heron", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.0.5"},
                       headers={"X-Forwarded-For": "198.51.100.20"})
    assert resp.status_code == 302  # another client, though the same balancer address


@pytest.mark.parametrize("target", ["/%0D%0AX:1", "//evil.example/", "/\\evil.example",
                                    "https://evil.example/", "/%09/evil.example", "portal/"])
def test_a_bad_next_goes_home_and_the_sign_in_is_kept(client, heron, store, target):
    resp = client.post(f"/login?next={target}", data={"username": "heron",
                                                      "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/portal/"
    assert "\n" not in resp.headers["Location"] and "X:" not in str(resp.headers)
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.login")) == 1


def test_a_same_site_next_is_followed(client, heron):
    resp = client.post("/login?next=/portal/orders%3Fstatus%3Dfoc",
                       data={"username": "heron", "password": PASSWORD})
    assert resp.headers["Location"] == "/portal/orders?status=foc"
