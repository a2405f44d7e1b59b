"""Partner administration of users: create, access, named roles, disable, reset (§1.3)."""
import re

import sqlalchemy as sa

from gateway.models import AuditEvent, User
from tests.conftest import PASSWORD, Api, Web


def _user(store, username):
    store.expire_all()
    return store.scalar(sa.select(User).where(User.username == username))


def _secret(page: str) -> str:
    return re.search(r'id="secret"[^>]*value="([^"]+)"', page).group(1)


def _new_user(admin, **extra):
    data = {"username": "sam", "email": "sam@example.net", "role": "partner_user",
            "access": "privileges", "privileges": ["csr", "view"], "contact_types": ["reject"],
            **extra}
    return admin.post("/admin/users/new", data)


def test_admin_creates_a_user_whose_temporary_password_is_shown_once_and_works(
        client, admin, store):
    resp = _new_user(admin)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "shown only once" in page
    assert resp.headers["Cache-Control"] == "no-store"
    password = _secret(page)
    sam = _user(store, "sam")
    assert sam.privileges == {"csr", "view"} and sam.contact_types == {"reject"}
    assert sam.partner.ccna == "BHW" and sam.role == "partner_user"
    client.post("/logout")
    # the password is temporary (§1.3.1): sam chooses a new one before anything else
    assert Web(client).login("sam", password).headers["Location"].endswith("/password/new")
    assert client.get("/portal/").headers["Location"].endswith("/password/new")
    resp = client.post("/password/new", data={"current": password, "new": "Brand-New-Pass-2026",
                                              "confirm": "Brand-New-Pass-2026"})
    assert resp.status_code == 302 and client.get("/portal/").status_code == 200
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.created",
                                                     AuditEvent.object_id == str(sam.id)))
    assert event.actor == "boss" and event.after["username"] == "sam"


def test_a_taken_username_is_refused_and_nothing_is_created(admin, store):
    resp = _new_user(admin, username="heron")
    assert resp.status_code == 409 and b"is taken" in resp.data
    assert store.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_a_named_role_gives_its_privileges_and_changing_it_changes_the_user(admin, store):
    admin.post("/admin/roles", {"name": "Order desk", "privileges": ["lsr", "view"]})
    role_id = re.search(r'/admin/roles/(\d+)"', admin.get("/admin/roles").get_data(
        as_text=True)).group(1)
    _new_user(admin, access="named_role", named_role=role_id, privileges=[])
    assert _user(store, "sam").privileges == {"lsr", "view"}
    resp = admin.post(f"/admin/roles/{role_id}", {"name": "Order desk", "privileges": ["view"]})
    assert resp.status_code == 302
    assert _user(store, "sam").privileges == {"view"}
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Order desk" in page


def test_admin_changes_a_users_access_and_notices(admin, store):
    heron = _user(store, "heron")
    resp = admin.post(f"/admin/users/{heron.id}", {
        "email": "heron.ops@example.net", "role": "partner_user", "access": "privileges",
        "privileges": ["view"], "contact_types": ["foc", "completion"]})
    assert resp.status_code == 302
    heron = _user(store, "heron")
    assert heron.privileges == {"view"} and heron.email == "heron.ops@example.net"
    assert heron.contact_types == {"foc", "completion"}


def test_the_last_holder_of_a_contact_type_keeps_it(admin, store):
    heron = _user(store, "heron")
    data = {"email": "heron@example.net", "role": "partner_user", "access": "privileges",
            "privileges": ["view"]}
    admin.post(f"/admin/users/{heron.id}", {**data, "contact_types": ["reject"]})
    resp = admin.post(f"/admin/users/{heron.id}", {**data, "contact_types": []})
    assert resp.status_code == 409 and b"must keep the contact type reject" in resp.data
    assert _user(store, "heron").contact_types == {"reject"}


def test_a_disabled_user_stays_listed_and_can_neither_sign_in_nor_use_tokens(
        client, admin, heron, store):
    uid = _user(store, "heron").id
    resp = admin.post(f"/admin/users/{uid}/disable")
    assert resp.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "heron" in page and "disabled 2026-11-23" in page
    assert heron.get("/api/v1/lsrs").status_code == 401
    client.post("/logout")
    resp = client.post("/login", data={"username": "heron", "password": PASSWORD})
    assert resp.status_code == 200 and b"disabled" in resp.data
    assert store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.disabled")
                        ).actor == "boss"


def test_disabling_the_last_receiver_of_a_notice_type_warns_the_admin(admin, store):
    heron = _user(store, "heron")
    admin.post(f"/admin/users/{heron.id}", {"email": "heron@example.net",
                                            "role": "partner_user", "access": "privileges",
                                            "privileges": ["view"], "contact_types": ["foc"]})
    resp = admin.post(f"/admin/users/{heron.id}/disable", follow_redirects=True)
    assert b"Nobody receives foc notices now" in resp.data


def test_an_admin_cannot_disable_itself_or_demote_the_last_admin(admin, store):
    boss = _user(store, "boss")
    resp = admin.post(f"/admin/users/{boss.id}/disable", follow_redirects=True)
    assert b"cannot disable your own login" in resp.data
    resp = admin.post(f"/admin/users/{boss.id}", {"email": "boss@example.net",
                                                  "role": "partner_user",
                                                  "access": "privileges",
                                                  "privileges": ["view"]})
    assert resp.status_code == 409 and b"last active administrator" in resp.data
    assert _user(store, "boss").disabled_at is None and _user(store, "boss").role == \
        "partner_admin"


def test_reset_password_ends_the_users_sessions_and_the_new_one_works(client, admin, store):
    other = client.application.test_client()
    Web(other).login("heron")
    assert other.get("/portal/").status_code == 200
    uid = _user(store, "heron").id
    page = admin.post(f"/admin/users/{uid}/reset-password").get_data(as_text=True)
    password = _secret(page)
    assert other.get("/portal/").status_code == 302  # the old session ended
    assert Web(other).login("heron", password).status_code == 302
    fresh = client.application.test_client()
    resp = fresh.post("/login", data={"username": "heron", "password": PASSWORD})
    assert resp.status_code == 200 and b"Invalid username or password" in resp.data


def test_another_partners_users_are_out_of_reach(client, admin, actors, store):
    actors.partner("NWT", "Northwest Telco", spids=("N123",), type="clec")
    actors.user("nwt", partner="NWT")
    uid = _user(store, "nwt").id
    assert admin.get(f"/admin/users/{uid}").status_code == 404
    assert admin.post(f"/admin/users/{uid}/disable").status_code == 404
    assert admin.post(f"/admin/users/{uid}/reset-password").status_code == 404
    assert "nwt" not in admin.get("/admin/users").get_data(as_text=True)
    assert _user(store, "nwt").disabled_at is None


def test_partner_users_and_staff_cannot_open_administration(client, heron, actors):
    Web(client).login("heron")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    client.post("/logout")
    actors.user("desk", role="staff", partner=None)
    Web(client).login("desk")
    assert client.get("/admin/users").status_code == 403


def test_the_api_token_of_a_new_user_acts_with_its_privileges(client, admin, store):
    _new_user(admin, privileges=["view"])
    sam = _user(store, "sam")
    page = admin.post("/admin/tokens", {"user_id": str(sam.id), "name": "OSS"}
                      ).get_data(as_text=True)
    api = Api(client, _secret(page))
    assert api.get("/api/v1/lsrs").status_code == 200
    assert api.post("/api/v1/lsrs", {"pon": "X"}).status_code == 403
