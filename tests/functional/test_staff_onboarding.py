"""Partner onboarding from a Trading Partner Profile, suspension and reinstatement (§1.1)."""
import re

import sqlalchemy as sa

from gateway.models import AuditEvent, Delivery, Notice, Partner, User
from tests.conftest import PASSWORD, Web

NEW_PASSWORD = "Juniper-Port-2026!"
PROFILE = {"name": "Juniper Mobile", "ccna": "JUN", "type": "wireless", "spids": "J123, J124",
           "ocn": "1234", "street": "1 Main St", "city": "Boise", "state": "ID", "zip": "83702",
           "received_on": "2026-11-20", "admin1_name": "Ana Ortiz", "admin1_username": "ana.jun",
           "admin1_email": "ana@juniper.example", "admin1_phone": "208-555-0101",
           "admin2_name": "Bo Li", "admin2_username": "bo.jun",
           "admin2_email": "bo@juniper.example", "admin2_phone": "2085550102"}


def record(staff_web, store, **changes):
    resp = staff_web.post("/staff/partners/new", {**PROFILE, **changes})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return store.scalar(sa.select(Partner).where(Partner.ccna == "JUN"))


def welcome_link(store, email):
    body = store.scalar(sa.select(Notice.body).join(Delivery).where(
        Notice.event == "partner.welcome", Delivery.target == email).order_by(Notice.id.desc()))
    return re.search(r"http://127\.0\.0\.1:5000(/welcome/\S+)", body).group(1)  # BASE_URL


def test_a_recorded_profile_is_pending_with_its_access_due_date(staff_web, store):
    partner = record(staff_web, store)
    assert partner.status == "pending" and partner.spids == {"J123", "J124"}
    assert partner.ocn == "1234" and partner.address == "1 Main St, Boise, ID 83702"
    assert [a["username"] for a in partner.profile["admins"]] == ["ana.jun", "bo.jun"]
    assert store.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.partner_id == partner.id)) == 0  # no login before approval
    page = staff_web.get(f"/staff/partners/{partner.id}").get_data(as_text=True)
    assert "Access due" in page and "2026-11-25" in page  # Fri 11-20 + 3 business days
    assert "Approve: create and send the administrator logins" in page


def test_approval_creates_the_admin_logins_and_sends_one_time_links(staff_web, store):
    partner = record(staff_web, store)
    resp = staff_web.post(f"/staff/partners/{partner.id}/approve", follow_redirects=True)
    assert "2 administrator logins created and sent (ana.jun, bo.jun)" in resp.get_data(
        as_text=True)
    store.expire_all()
    assert store.get(Partner, partner.id).status == "active"
    admins = store.scalars(sa.select(User).where(User.partner_id == partner.id)).all()
    assert {u.role for u in admins} == {"partner_admin"}
    assert all(u.contact_types == {"foc", "reject", "completion", "jeopardy", "escalation"}
               for u in admins)
    assert welcome_link(store, "ana@juniper.example").startswith("/welcome/")
    actions = set(store.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.partner_id == partner.id)))
    assert {"partner.created", "partner.active", "user.created", "user.welcome_sent"} <= actions


def test_the_outbox_never_shows_the_one_time_link(staff_web, store):
    partner = record(staff_web, store)
    staff_web.post(f"/staff/partners/{partner.id}/approve")
    delivery = store.scalar(sa.select(Delivery).join(Notice).where(
        Notice.event == "partner.welcome"))
    page = staff_web.get(f"/staff/outbox/{delivery.id}").get_data(as_text=True)
    assert "/welcome/[one-time link hidden]" in page
    assert welcome_link(store, delivery.target) not in page


def test_the_admin_sets_a_password_with_the_link_once_and_signs_in(staff_web, store,
                                                                   client, app):
    partner = record(staff_web, store)
    staff_web.post(f"/staff/partners/{partner.id}/approve")
    link = welcome_link(store, "ana@juniper.example")
    visitor = app.test_client()
    assert "Choose the password for <strong>ana.jun</strong>" in visitor.get(link).get_data(
        as_text=True)
    weak = visitor.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.get_data(as_text=True)
    done = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert visitor.get(link).status_code == 410  # used once
    Web(visitor).login("ana.jun", NEW_PASSWORD)
    assert visitor.get("/admin/").status_code == 200


def test_a_new_link_replaces_the_old_one(staff_web, store, app):
    partner = record(staff_web, store)
    staff_web.post(f"/staff/partners/{partner.id}/approve")
    old = welcome_link(store, "bo@juniper.example")
    bo = store.scalar(sa.select(User).where(User.username == "bo.jun"))
    resp = staff_web.post(f"/staff/partners/{partner.id}/users/{bo.id}/welcome",
                          follow_redirects=True)
    assert "earlier links no longer work" in resp.get_data(as_text=True)
    new = welcome_link(store, "bo@juniper.example")
    visitor = app.test_client()
    assert new != old and visitor.get(old).status_code == 410
    assert visitor.get(new).status_code == 200


def test_a_tampered_or_expired_link_does_not_work(staff_web, store, app):
    from tests.conftest import set_now

    partner = record(staff_web, store)
    staff_web.post(f"/staff/partners/{partner.id}/approve")
    link = welcome_link(store, "ana@juniper.example")
    visitor = app.test_client()
    assert visitor.get(link[:-2] + "xx").status_code == 410
    assert visitor.get("/welcome/garbage").status_code == 410
    set_now(app, "2026-11-26T10:01:00-08:00")  # 72 hours later
    assert visitor.get(link).status_code == 410


def test_approving_twice_is_refused(staff_web, store):
    partner = record(staff_web, store)
    staff_web.post(f"/staff/partners/{partner.id}/approve")
    again = staff_web.post(f"/staff/partners/{partner.id}/approve")
    assert again.status_code == 409 and "only a pending profile is approved" in again.get_data(
        as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.partner_id == partner.id)) == 2


def test_bad_profiles_are_refused_with_the_field_named_and_nothing_recorded(staff_web,
                                                                            store, actors):
    cases = [({"ocn": ""}, "needs its OCN"), ({"spids": "J12"}, "is not 4 letters or digits"),
             ({"spids": ""}, "needs at least one SPID"), ({"admin1_phone": "123"}, "10-digit"),
             ({"zip": "8370"}, "is not 5 digits"),
             ({"admin2_username": "bo.jun", "admin1_username": "bo.jun"}, "of their own"),
             ({"admin2_email": ""}, "Fill in every detail"),
             ({"received_on": "2026-12-01"}, "in the future"), ("taken", "is taken")]
    for changes, message in cases:
        if changes == "taken":
            actors.user("ana.jun", role="staff", partner=None)
            changes = {}
        resp = staff_web.post("/staff/partners/new", {**PROFILE, **changes})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and message in page, (changes, page[:200])
        assert "There is a problem" in page
    assert store.scalar(sa.select(sa.func.count()).select_from(Partner)) == 0


def test_a_duplicate_ccna_is_refused(staff_web, store, actors):
    actors.partner(ccna="JUN", name="Juniper Old", spids=("J999",))
    resp = staff_web.post("/staff/partners/new", PROFILE)
    assert resp.status_code == 422 and "CCNA JUN is already registered" in resp.get_data(
        as_text=True)


def test_an_agent_needs_no_spid_or_ocn(staff_web, store):
    partner = record(staff_web, store, type="agent", spids="", ocn="")
    assert partner.type == "agent" and partner.spids == frozenset() and partner.ocn is None


def test_suspension_stops_sign_in_and_tokens_and_reinstatement_restores_them(
        heron, staff_web, store, app, actors):
    bhw = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    actors.user("heron.admin", role="partner_admin")
    no_reason = staff_web.post(f"/staff/partners/{bhw.id}/suspend", {"reason": ""})
    assert no_reason.status_code == 422 and "Give the reason" in no_reason.get_data(as_text=True)
    resp = staff_web.post(f"/staff/partners/{bhw.id}/suspend",
                          {"reason": "Unpaid port charges"}, follow_redirects=True)
    assert "is suspended" in resp.get_data(as_text=True)
    assert heron.get("/api/v1/lsrs").status_code == 401
    visitor = app.test_client()
    page = visitor.post("/login", data={"username": "heron", "password": PASSWORD})
    assert page.status_code == 200 and "suspended" in page.get_data(as_text=True)
    notice = store.scalar(sa.select(Notice).where(Notice.event == "partner.suspended"))
    assert "Unpaid port charges" in notice.body
    assert notice.deliveries[0].target == "heron.admin@example.net"
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "partner.suspended"))
    assert event.details["reason"] == "Unpaid port charges"
    twice = staff_web.post(f"/staff/partners/{bhw.id}/suspend", {"reason": "again"})
    assert twice.status_code == 422 and "only a active partner" in twice.get_data(as_text=True)
    staff_web.post(f"/staff/partners/{bhw.id}/reinstate", {"reason": "Paid"})
    assert heron.get("/api/v1/lsrs").status_code == 200


def test_partner_list_shows_pending_first_with_their_due_dates(heron, staff_web, store):
    record(staff_web, store)
    page = staff_web.get("/staff/partners").get_data(as_text=True)
    assert page.index("Juniper Mobile") < page.index("Blue Heron Wireless")
    assert "2026-11-25" in page
    assert "Juniper" not in staff_web.get("/staff/partners?status=active").get_data(as_text=True)


def test_a_welcome_link_that_is_not_ascii_is_invalid_not_a_crash(client):
    """Anyone may open a link: a crafted one answers as every invalid link does (it was a 500:
    compare_digest refuses text that is not ASCII)."""
    assert client.get("/welcome/abc.%C3%A9t%C3%A9").status_code == 410
