"""Portal login: good password, bad password, disabled user."""
from tests.conftest import PASSWORD


def login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_partner_user_logs_in_and_sees_the_dashboard(client, actors):
    actors.partner()
    actors.user("heron")
    resp = login(client, "heron", PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/")
    page = client.get("/portal/")
    assert page.status_code == 200 and b"port-out dashboard" in page.data


def test_bad_password_is_refused(client, actors):
    actors.partner()
    actors.user("heron")
    resp = login(client, "heron", "wrong-password")
    assert resp.status_code == 200 and b"Invalid username or password" in resp.data
    assert client.get("/portal/").status_code == 302


def test_disabled_user_cannot_log_in_and_loses_the_session(client, actors, cli):
    actors.partner()
    actors.user("heron")
    login(client, "heron", PASSWORD)
    assert client.get("/portal/").status_code == 200
    assert cli("user", "disable", "heron")[0] == 0
    assert client.get("/portal/").status_code == 302
    assert b"disabled" in login(client, "heron", PASSWORD).data


def test_staff_and_partner_admin_land_on_their_home_pages(client, actors):
    actors.partner()
    actors.user("boss", role="partner_admin")
    actors.user("desk", role="staff", partner=None)
    assert login(client, "boss", PASSWORD).headers["Location"].endswith("/admin/")
    assert b"administration" in client.get("/admin/").data
    client.post("/logout")
    assert login(client, "desk", PASSWORD).headers["Location"].endswith("/staff/")
    assert b"LNP desk" in client.get("/staff/").data


def test_repeated_failures_make_that_client_wait(client, actors):
    actors.partner()
    actors.user("heron")
    for _ in range(5):
        login(client, "heron", "wrong-password")
    resp = login(client, "heron", PASSWORD)
    assert resp.status_code == 429 and b"Too many failed sign-ins" in resp.data
