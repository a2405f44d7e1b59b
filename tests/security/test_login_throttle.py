"""Login throttling (issue 13): no username enumeration, a back-off per username and client that
nobody can hold on someone else, and an address block that does not stop known devices."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, set_now

WRONG = "Wrong-Pass-2026!"
OFFICE, ATTACKER, HOME = "203.0.113.9", "198.51.100.66", "192.0.2.44"


def login(client, username, password=PASSWORD, ip="127.0.0.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def flashed(resp) -> str:
    return " ".join(re.findall(r'<p class="flash error">([^<]*)</p>', resp.get_data(as_text=True)))


@pytest.fixture
def heron(actors):
    actors.partner()
    return actors.user("heron")


def test_known_and_unknown_usernames_get_the_same_answers(app, heron):
    known, unknown = app.test_client(), app.test_client()
    for _ in range(7):
        a, b = login(known, "heron", WRONG), login(unknown, "nobody", WRONG)
        assert a.status_code == b.status_code
        assert flashed(a) == flashed(b)
        assert a.headers.get("Retry-After") == b.headers.get("Retry-After")
    assert a.status_code == 429 and "Too many failed sign-ins" in flashed(a)


def test_failures_from_elsewhere_cannot_lock_a_user_out(app, client, heron):
    for _ in range(30):
        login(app.test_client(), "heron", WRONG, ip=ATTACKER)
    assert login(client, "heron", ip=HOME).status_code == 302


def test_backoff_grows_then_stops_at_fifteen_minutes(app, client, heron):
    from gateway import clock
    from gateway.models import LoginThrottle
    from gateway.platform.ratelimit import LoginPolicy, backoff_key, note_backoff_failure

    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        now, policy, waits = clock.now(), LoginPolicy(), []
        for _ in range(12):
            note_backoff_failure(session, "heron", "ip:" + ATTACKER, now=now, policy=policy)
            row = session.get(LoginThrottle, backoff_key("heron", "ip:" + ATTACKER))
            waits.append(int((row.blocked_until - now).total_seconds())
                         if row.blocked_until else 0)
        session.rollback()
        session.close()
    assert waits == [0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900, 900]


def test_a_good_password_clears_the_users_failures(app, client, heron):
    for _ in range(4):
        login(client, "heron", WRONG)
    assert login(client, "heron").status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert login(client, "heron", WRONG).status_code == 200  # four free failures again


def test_a_blocked_office_address_still_lets_its_known_browsers_sign_in(app, heron, actors):
    app.config.update(LOGIN_IP_MAX_FAILURES=5)
    actors.user("wren")
    alice, stranger = app.test_client(), app.test_client()
    assert login(alice, "heron", ip=OFFICE).status_code == 302  # this browser is known now
    alice.post("/logout")
    for n in range(5):  # someone in the same office (or NAT) guesses many usernames
        login(stranger, f"guess{n}", WRONG, ip=OFFICE)
    assert login(stranger, "wren", ip=OFFICE).status_code == 429  # unknown browser: blocked
    assert login(alice, "heron", ip=OFFICE).status_code == 302  # known browser: signs in


def test_a_device_cookie_only_counts_for_the_username_it_was_given_to(app, heron, actors):
    app.config.update(LOGIN_IP_MAX_FAILURES=3)
    actors.user("wren")
    alice = app.test_client()
    login(alice, "heron", ip=OFFICE)
    alice.post("/logout")
    for n in range(3):
        login(app.test_client(), f"guess{n}", WRONG, ip=OFFICE)
    assert login(alice, "wren", ip=OFFICE).status_code == 429


def test_a_forged_device_cookie_is_ignored(app, heron):
    app.config.update(LOGIN_IP_MAX_FAILURES=3)
    for n in range(3):
        login(app.test_client(), f"guess{n}", WRONG, ip=OFFICE)
    mallory = app.test_client()
    mallory.set_cookie("portgate_device", '{"d":"x","u":["heron"]}')
    assert login(mallory, "heron", ip=OFFICE).status_code == 429


def test_the_wait_ends_and_the_right_password_then_works(app, client, heron):
    for _ in range(5):
        login(client, "heron", WRONG)
    blocked = login(client, "heron")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "16"
    set_now(app, "2026-11-23T10:00:16-08:00")
    assert login(client, "heron").status_code == 302
