"""Every user's profile: email, display time zone (times shown in it), own password."""
import sqlalchemy as sa

from gateway.models import AuditEvent, User
from tests.conftest import PASSWORD, Web

NEW_PASSWORD = "Another-Pass-2027!"


def _heron(store):
    store.expire_all()
    return store.scalar(sa.select(User).where(User.username == "heron"))


def test_times_are_shown_in_the_users_zone_and_stored_in_utc(web, heron, store):
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550142", "agauth": "Y"}).get_json()
    assert "2026-11-23 10:00 PST" in web.get(f"/portal/csr/{csr['id']}").get_data(as_text=True)
    resp = web.post("/profile", {"email": "heron.ops@example.net", "timezone": "America/New_York"})
    assert resp.status_code == 302
    page = web.get(f"/portal/csr/{csr['id']}").get_data(as_text=True)
    assert "2026-11-23 13:00 EST" in page and "times in America/New_York" in page
    user = _heron(store)
    assert user.email == "heron.ops@example.net" and user.timezone == "America/New_York"
    assert csr["received_at"] == "2026-11-23T18:00:00+00:00"
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.profile_changed"))
    assert event.before["timezone"] == "America/Los_Angeles"


def test_a_bad_email_or_zone_is_refused_and_changes_nothing(web, store):
    resp = web.post("/profile", {"email": "nope", "timezone": "Mars/Base"})
    assert resp.status_code == 422 and b"There is a problem" in resp.data
    assert _heron(store).email == "heron@example.net"


def test_the_password_change_needs_the_current_password_and_the_policy(web, store):
    resp = web.post("/profile/password", {"current": "wrong", "new": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert resp.status_code == 422 and b"current password is not right" in resp.data
    resp = web.post("/profile/password", {"current": PASSWORD, "new": "aaaaaaaaaaaaaa",
                                          "confirm": "aaaaaaaaaaaaaa"})
    assert resp.status_code == 422 and b"must mix at least three" in resp.data
    resp = web.post("/profile/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                          "confirm": "different-Pass-1"})
    assert resp.status_code == 422 and b"Passwords differ" in resp.data
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.password_changed")) == 0


def test_a_password_change_keeps_this_session_and_ends_the_others(client, web, store):
    other = client.application.test_client()
    Web(other).login("heron")
    resp = web.post("/profile/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    assert web.get("/portal/").status_code == 200
    assert other.get("/portal/").status_code == 302
    assert Web(client.application.test_client()).login("heron", NEW_PASSWORD)


def test_staff_have_a_profile_page_too(client, actors):
    actors.user("desk", role="staff", partner=None)
    Web(client).login("desk")
    page = client.get("/profile").get_data(as_text=True)
    assert "Your profile" in page and "Cascade Telecom staff" in page
