"""Two-step sign-in (business-rules §1.3.1): TOTP enrolment by QR code, codes, recovery codes,
resets by staff admins, the profile's `mfa_roles`, and API tokens without a second factor."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from gateway import create_app
from gateway.auth.sessions import mfa_roles
from gateway.models import AuditEvent, User
from tests.conftest import PASSWORD, Api, Web, _config
from validators.carrier_profile import DEFAULT_PROFILE, CarrierProfile


def actions(store, action):
    store.expire_all()
    return store.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def user(store, username) -> User:
    store.expire_all()
    return store.scalar(sa.select(User).where(User.username == username))


@pytest.fixture
def boss(actors):
    actors.user("boss", role="staff_admin", partner=None)
    return "boss"


def test_the_profile_names_the_roles_with_two_step_sign_in():
    assert DEFAULT_PROFILE["mfa_roles"] == ["staff", "staff_admin", "partner_admin"]
    assert CarrierProfile.from_dict(None).mfa_roles == {"staff", "staff_admin", "partner_admin"}
    everyone = CarrierProfile.from_dict({"mfa_roles": ["staff", "staff_admin", "partner_admin",
                                                       "partner_user"]})
    assert "partner_user" in everyone.mfa_roles


def test_a_staff_admin_reaches_no_page_with_the_password_alone(client, boss, two_step):
    resp = client.post("/login", data={"username": "boss", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/login/enrol")
    for path in ("/staff/", "/staff/partners", "/profile"):
        assert client.get(path).headers["Location"].startswith("/login"), path
    resp = client.get("/login/enrol")
    page = resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    assert 'src="data:image/svg+xml' in page  # the QR code is drawn here, no outside service
    assert 'id="totp-secret"' in page


def test_enrolment_gives_ten_single_use_recovery_codes_stored_hashed(client, boss, two_step,
                                                                     store):
    secret, codes = two_step.enrol(client, "boss")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/staff/partners").status_code == 200
    row = user(store, "boss")
    assert row.totp_secret == secret and row.totp_enrolled_at is not None
    assert row.recovery_codes == [hashlib.sha256(c.replace("-", "").encode()).hexdigest()
                                  for c in codes]
    assert not any(c in str(row.recovery_codes) for c in codes)
    assert len(actions(store, "user.mfa_enrolled")) == 1
    logins = actions(store, "user.login")
    assert len(logins) == 1 and logins[0].details["second_factor"] == "totp"


def test_an_enrolment_code_that_does_not_match_is_refused(client, boss, two_step, store):
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    resp = client.post("/login/enrol", data={"code": "000000"})
    assert resp.status_code == 422 and b"does not match" in resp.data
    assert user(store, "boss").totp_secret is None
    assert client.get("/staff/").status_code == 302


def test_an_enrolled_user_signs_in_with_a_code_which_works_only_once(app, client, boss,
                                                                     two_step):
    secret, _ = two_step.enrol(client, "boss")
    client.post("/logout")
    code = two_step.code(secret)
    resp = two_step.sign_in(client, "boss", code)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    other = app.test_client()
    replay = two_step.sign_in(other, "boss", code)  # the same code, seen over a shoulder
    assert replay.status_code == 200 and b"That code is not right" in replay.data
    assert other.get("/staff/").status_code == 302


def test_a_recovery_code_signs_in_once(app, client, boss, two_step, store):
    _, codes = two_step.enrol(client, "boss")
    client.post("/logout")
    resp = two_step.sign_in(client, "boss", codes[3].lower().replace("-", " "))
    assert resp.status_code == 302 and client.get("/staff/").status_code == 200
    assert len(user(store, "boss").recovery_codes) == 9
    [used] = actions(store, "user.recovery_code_used")
    assert used.details["remaining"] == 9
    assert "9 recovery codes left" in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    again = two_step.sign_in(app.test_client(), "boss", codes[3])
    assert again.status_code == 200 and b"That code is not right" in again.data


def test_wrong_codes_make_the_second_step_wait(app, client, boss, two_step):
    secret, _ = two_step.enrol(client, "boss")
    client.post("/logout")
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    for _ in range(5):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 200
    resp = client.post("/login/code", data={"code": two_step.code(secret)})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0


def test_the_second_step_expires_and_needs_the_password_again(client, boss, two_step):
    secret, _ = two_step.enrol(client, "boss")
    client.post("/logout")
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    two_step.advance(minutes=11)
    resp = client.post("/login/code", data={"code": two_step.code(secret)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")


def test_a_partner_admin_needs_a_second_factor_and_a_partner_user_does_not(client, actors,
                                                                          two_step):
    actors.partner()
    actors.user("chief", role="partner_admin")
    actors.user("clerk")
    resp = client.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/portal/")
    client.post("/logout")
    resp = client.post("/login", data={"username": "chief", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/login/enrol")
    assert client.get("/admin/").status_code == 302


def test_the_profile_can_extend_two_step_sign_in_to_every_user(app, client, actors, two_step):
    app.extensions["portgate_profile"] = CarrierProfile.from_dict(
        {"mfa_roles": ["staff", "staff_admin", "partner_admin", "partner_user"]})
    actors.partner()
    actors.user("clerk")
    two_step.enrol(client, "clerk")
    assert client.get("/portal/").status_code == 200


def test_a_session_without_second_factor_ends_when_the_role_comes_to_need_one(
        app, client, actors, two_step, store):
    actors.partner()
    actors.user("clerk")
    Web(client).login("clerk")
    assert client.get("/portal/").status_code == 200
    row = user(store, "clerk")
    row.role = "partner_admin"
    store.commit()
    assert client.get("/portal/").headers["Location"].startswith("/login")


def test_api_tokens_need_no_second_factor(client, boss, actors, two_step):
    api = Api(client, actors.token("boss"))
    assert api.get("/api/v1/lsrs").status_code == 200


def test_a_staff_admin_resets_a_lost_second_factor_and_it_is_audited(app, client, boss,
                                                                    actors, two_step, store):
    actors.partner()
    actors.user("chief", role="partner_admin")
    chief = app.test_client()
    two_step.enrol(chief, "chief")
    assert chief.get("/admin/").status_code == 200
    two_step.enrol(client, "boss")
    page = client.get("/staff/users?q=chief").get_data(as_text=True)
    assert "chief" in page and "Reset second factor" in page
    target = user(store, "chief")
    resp = client.post(f"/staff/users/{target.id}/mfa-reset")
    assert resp.status_code == 302
    assert user(store, "chief").totp_secret is None
    assert user(store, "chief").recovery_codes is None
    assert chief.get("/admin/").status_code == 302  # the user's sessions ended
    [event] = actions(store, "user.mfa_reset")
    assert event.actor == "boss" and event.object_id == str(target.id)
    resp = chief.post("/login", data={"username": "chief", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/login/enrol")  # a new QR code at next sign-in


def test_plain_staff_cannot_reset_a_second_factor(app, client, boss, actors, two_step, store):
    actors.user("desk", role="staff", partner=None)
    two_step.enrol(app.test_client(), "boss")
    two_step.enrol(client, "desk")
    target = user(store, "boss")
    assert client.post(f"/staff/users/{target.id}/mfa-reset").status_code == 403
    assert client.get("/staff/users").status_code == 403
    assert user(store, "boss").totp_secret is not None


def test_the_mfa_roles_override_works_only_in_tests():
    prod = create_app({**_config("sqlite://"), "TESTING": False, "MFA_REQUIRED_ROLES": ()})
    with prod.app_context():
        assert set(mfa_roles()) == {"staff", "staff_admin", "partner_admin"}
    prod.extensions["portgate_db"].engine.dispose()
    test = create_app(_config("sqlite://", MFA_REQUIRED_ROLES=()))
    with test.app_context():
        assert set(mfa_roles()) == set()
    test.extensions["portgate_db"].engine.dispose()


def test_a_code_in_other_scripts_digits_is_a_wrong_code_not_a_crash(app, actors, two_step):
    """Codes are six ASCII digits; Arabic-Indic digits passed str.isdigit and made
    compare_digest raise (a 500), at sign-in and at enrolment."""
    actors.user("desk2", role="staff", partner=None)
    two_step.enrol(app.test_client(), "desk2")
    signin = app.test_client()
    resp = signin.post("/login", data={"username": "desk2", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/login/code")
    wrong = signin.post("/login/code", data={"code": "\u0661\u0662\u0663\u0664\u0665\u0666"})
    assert wrong.status_code < 500 and "/login/code" in (wrong.headers.get("Location") or
                                                          "/login/code")
    actors.user("desk3", role="staff", partner=None)
    enrolling = app.test_client()
    enrolling.post("/login", data={"username": "desk3", "password": PASSWORD})
    enrolling.get("/login/enrol")
    assert enrolling.post("/login/enrol", data={
        "code": "\u0661\u0662\u0663\u0664\u0665\u0666"}).status_code < 500
