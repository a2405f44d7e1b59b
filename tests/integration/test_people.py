"""People (business-rules §1.3.2): users have a full name and an optional phone, shown wherever
their actions are listed: user lists, order timelines, audit views and exports."""
import csv
import io
import json

import sqlalchemy as sa

from gateway.models import AccessRequest, AgentApproval, Notice, Partner, User
from tests.conftest import EXAMPLES, PASSWORD, Api, Web, recorded_statements


def _add(cli, username, *extra, partner="BHW", role="partner_user"):
    return cli("user", "add", "--username", username, "--email", f"{username}@example.net",
               "--password", PASSWORD, "--role", role, "--partner", partner, *extra)


def _user(store, username) -> User:
    store.expire_all()
    return store.scalar(sa.select(User).where(User.username == username))


def test_user_add_takes_a_full_name_and_phone_and_the_name_defaults_to_the_username(
        cli, actors, store):
    actors.partner()
    assert _add(cli, "dana", "--name", "  Dana   Reyes ", "--phone", "541-555-0100")[0] == 0
    dana = _user(store, "dana")
    assert (dana.full_name, dana.phone) == ("Dana Reyes", "541-555-0100")
    assert dana.display_name == "Dana Reyes (dana)"
    assert _add(cli, "plain")[0] == 0
    plain = _user(store, "plain")
    assert (plain.full_name, plain.phone, plain.display_name) == ("plain", None, "plain")


def test_user_add_refuses_a_bad_phone_naming_the_option(cli, actors, store):
    actors.partner()
    code, out = _add(cli, "dana", "--name", "Dana Reyes", "--phone", "call me")
    assert code != 0 and "--phone" in out
    assert _user(store, "dana") is None


def test_partner_admin_lists_sets_and_changes_names_and_phones(client, actors, cli, store):
    actors.partner()
    assert _add(cli, "boss", "--name", "Bea Oswald", role="partner_admin")[0] == 0
    web = Web(client)
    web.login("boss")
    resp = web.post("/admin/users/new", {"username": "newbie", "email": "n@heron.example",
                                         "full_name": "Nia Ewbie", "phone": "5415550111",
                                         "role": "partner_user", "access": "privileges",
                                         "privileges": ["view"]})
    assert resp.status_code == 200, resp.data[:300]
    newbie = _user(store, "newbie")
    assert (newbie.full_name, newbie.phone) == ("Nia Ewbie", "5415550111")
    listing = web.get("/admin/users").get_data(as_text=True)
    assert "Bea Oswald" in listing and "Nia Ewbie" in listing and "5415550111" in listing
    web.post(f"/admin/users/{newbie.id}", {
        "email": "n@heron.example", "full_name": "Nia Ewbie-Smith", "phone": "",
        "role": "partner_user", "access": "privileges", "privileges": ["view"]})
    changed = _user(store, "newbie")
    assert (changed.full_name, changed.phone) == ("Nia Ewbie-Smith", None)
    assert "Nia Ewbie-Smith (newbie)" in web.get(f"/admin/users/{newbie.id}").get_data(
        as_text=True)


DANA = "Dana Reyes (dana) · 5415550100"  # how a list of actions shows dana (§1.3.2)


def _dana_order(client, actors, cli, *name_and_phone) -> tuple[Api, dict]:
    actors.partner()
    for kind in ("spids", "codes", "blocks", "tns"):
        assert cli("npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")[0] == 0
    assert cli("import-accounts", EXAMPLES / "accounts.csv")[0] == 0
    assert _add(cli, "dana", *name_and_phone)[0] == 0
    api = Api(client, actors.token("dana"))
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = api.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc", order
    return api, order


def test_order_timeline_names_the_person_who_sent_each_version(client, actors, cli):
    _api, order = _dana_order(client, actors, cli, "--name", "Dana Reyes")
    web = Web(client)
    web.login("dana")
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert "Dana Reyes (dana)" in page and "Dana Reyes (dana) ·" not in page  # no phone set


def test_order_pages_show_the_senders_and_note_writers_name_and_phone(app, actors, cli,
                                                                      staff_web):
    api, order = _dana_order(app.test_client(), actors, cli, "--name", "Dana Reyes",
                             "--phone", "5415550100")
    note = api.post(f"/api/v1/lsrs/{order['id']}/notes", {"text": "Is the cut on?"})
    assert note.status_code == 201, note.get_json()
    assert note.get_json()["author"] == {"kind": "partner", "name": "Dana Reyes"}
    listed = api.get(f"/api/v1/lsrs/{order['id']}/notes").get_json()["items"]
    assert [n["author"]["name"] for n in listed] == ["Dana Reyes"]

    portal = Web(app.test_client())
    portal.login("dana")
    page = portal.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">'):]
    assert DANA in timeline  # who sent VER 1
    thread = page[page.index('<ol class="notes">'):page.index('<ol class="timeline">')]
    assert f"You · {DANA}" in thread
    desk = staff_web.get(f"/staff/orders/{order['id']}").get_data(as_text=True)
    assert f"Partner · {DANA}" in desk  # the desk's note thread
    assert desk.count(DANA) == 2  # and the order's history (who sent VER 1)


def test_a_desk_note_carries_the_writers_full_name_to_the_api_and_the_webhook(
        app, actors, cli, store, fake_dns):
    fake_dns["hooks.example"] = ["93.184.215.14"]
    api, order = _dana_order(app.test_client(), actors, cli, "--name", "Dana Reyes")
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "https://hooks.example/pg",
               "--secret", "s3cret-s3cret")[0] == 0
    assert cli("user", "add", "--username", "lena", "--email", "lena@example.net",
               "--password", PASSWORD, "--role", "staff", "--name", "Lena Ortiz",
               "--phone", "5035550111")[0] == 0
    desk = Api(app.test_client(), actors.token("lena"))
    note = desk.post(f"/api/v1/lsrs/{order['id']}/notes", {"text": "Please send the LOA."})
    assert note.get_json()["author"] == {"kind": "staff", "name": "Lena Ortiz"}
    store.expire_all()
    notice = store.scalars(sa.select(Notice).where(Notice.event == "lsr.note")).one()
    assert notice.data["note"]["author"] == {"kind": "staff", "name": "Lena Ortiz"}
    page = Web(app.test_client())
    page.login("dana")
    assert "LNP desk · Lena Ortiz (lena) · 5035550111" in page.get(
        f"/portal/orders/{order['id']}").get_data(as_text=True)


def test_audit_views_and_exports_carry_the_actors_name_and_phone(client, actors, cli, desk):
    actors.partner()
    assert _add(cli, "dana", "--name", "Dana Reyes", "--phone", "5415550100")[0] == 0
    Web(client).login("dana")
    page = desk.get("/api/v1/staff/audit?action=user.login&actor=dana").get_json()
    assert [(e["actor_name"], e["actor_phone"]) for e in page["items"]] == \
        [("Dana Reyes", "5415550100")]
    created = desk.get("/api/v1/staff/audit?action=user.created").get_json()["items"]
    assert {e["actor"]: e["actor_name"] for e in created}["cli"] is None
    resp = desk.get("/api/v1/staff/audit?format=csv&action=user.login&actor=dana")
    table = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["actor_name"], r["actor_phone"]) for r in table] == [("Dana Reyes",
                                                                     "5415550100")]


def test_staff_see_each_partner_users_name_and_phone(staff_web, actors, cli, store):
    actors.partner()
    assert _add(cli, "dana", "--name", "Dana Reyes", "--phone", "5415550100")[0] == 0
    store.expire_all()
    heron = store.scalar(sa.select(Partner.id).where(Partner.ccna == "BHW"))
    page = staff_web.get(f"/staff/partners/{heron}").get_data(as_text=True)
    assert "Dana Reyes" in page and "5415550100" in page


def test_the_staff_audit_page_shows_the_actors_name_and_phone(app, actors, cli, staff_web):
    actors.partner()
    assert _add(cli, "dana", "--name", "Dana Reyes", "--phone", "5415550100")[0] == 0
    assert _add(cli, "plain")[0] == 0
    Web(app.test_client()).login("dana")
    Web(app.test_client()).login("plain")
    page = staff_web.get("/staff/audit?actor=dana&action=user.login").get_data(as_text=True)
    assert "Dana Reyes" in page and "5415550100" in page and DANA in page
    page = staff_web.get("/staff/audit?actor=plain&action=user.login").get_data(as_text=True)
    assert '<td data-label="User">plain</td>' in page  # no name given: the username
    page = staff_web.get("/staff/audit?action=user.created").get_data(as_text=True)
    assert '<td data-label="User">cli</td>' in page  # no user: the stored actor


def _user_queries(app, staff_web) -> int:
    with recorded_statements(app) as seen:
        assert staff_web.get("/staff/audit?action=user.login").status_code == 200
    return sum(1 for s in seen if "FROM users" in s)


def test_the_staff_audit_page_loads_its_rows_people_in_one_query(app, actors, cli,
                                                                 staff_web):
    actors.partner()
    assert _add(cli, "dana", "--name", "Dana Reyes", "--phone", "5415550100")[0] == 0
    Web(app.test_client()).login("dana")
    few = _user_queries(app, staff_web)  # deskadmin's and dana's sign-ins
    for username in ("ann", "bob", "cyd"):
        assert _add(cli, username, "--name", username.title() + " Smith")[0] == 0
        Web(app.test_client()).login(username)
    page = staff_web.get("/staff/audit?action=user.login").get_data(as_text=True)
    assert all(f"{n} Smith ({n.lower()})" in page for n in ("Ann", "Bob", "Cyd"))
    assert _user_queries(app, staff_web) == few  # not one more per row or per person


def test_the_access_pages_show_who_asked_and_who_answered_with_their_phone(app, actors, cli,
                                                                           store):
    actors.partner()
    assert _add(cli, "heronadmin", "--name", "Hana Ito", "--phone", "5415550177",
                role="partner_admin")[0] == 0
    actors.partner("AGX", "Port Agents Inc", spids=(), type="agent")
    assert _add(cli, "agxadmin", "--name", "Ana Gutierrez", "--phone", "5035550142",
                partner="AGX", role="partner_admin")[0] == 0
    carrier, agent = Web(app.test_client()), Web(app.test_client())
    carrier.login("heronadmin")
    agent.login("agxadmin")
    assert agent.post("/admin/agents/ask", {"carrier_ccna": "BHW", "privileges": ["csr"],
                                            "reason": "Reseller lines"}).status_code == 302
    store.expire_all()
    req = store.scalar(sa.select(AccessRequest))
    asked = "Ana Gutierrez (agxadmin) · 5035550142"
    answered = "Hana Ito (heronadmin) · 5415550177"
    assert asked in carrier.get("/admin/agents").get_data(as_text=True)
    assert carrier.post(f"/admin/agents/requests/{req.id}/approve",
                        {"privileges": ["csr"]}).status_code == 302
    review = carrier.get(f"/admin/agents/requests/{req.id}").get_data(as_text=True)
    steps = review[review.index('id="access-steps"'):]
    assert asked in steps and answered in steps  # the access-step history
    assert f"by {answered}" in review  # who decided
    assert answered in carrier.get("/admin/agents").get_data(as_text=True)  # answered by
    assert asked in agent.get("/admin/agents").get_data(as_text=True)  # its own request
    store.expire_all()
    approval = store.scalar(sa.select(AgentApproval))
    activity = carrier.get(f"/admin/agents/{approval.id}/activity").get_data(as_text=True)
    assert asked in activity and answered in activity


def test_the_partner_pages_recent_changes_name_the_staff_user_in_full(heron, app, cli, store):
    assert cli("user", "add", "--username", "dana", "--email", "dana@cascade.example",
               "--password", PASSWORD, "--role", "staff_admin", "--name", "Dana Whitfield",
               "--phone", "503-555-0142")[0] == 0
    web = Web(app.test_client())
    web.login("dana")
    bhw = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    assert web.post(f"/staff/partners/{bhw.id}/suspend", {"reason": "Unpaid"}).status_code == 302
    page = web.get(f"/staff/partners/{bhw.id}").get_data(as_text=True)
    assert "partner.suspended · Dana Whitfield (dana) · 503-555-0142" in page


def test_the_audit_pages_days_are_the_days_it_shows_and_any_date_is_taken(heron, app,
                                                                           staff_web):
    """From/To are days in the zone the page shows times in (they were UTC days: an event at
    17:30 Pacific, shown on the 23rd, was not found by From = To = the 23rd); 9999-12-31 is a
    date the picker gives (it was an OverflowError, a 500)."""
    from tests.conftest import set_now
    set_now(app, "2026-11-23T17:30:00-08:00")
    assert staff_web.get("/staff/accounts/884201").status_code == 200
    same_day = staff_web.get("/staff/audit?action=account.viewed&since=2026-11-23"
                             "&until=2026-11-23").get_data(as_text=True)
    assert "2026-11-23 17:30" in same_day and "account 884201" in same_day
    next_day = staff_web.get("/staff/audit?action=account.viewed&since=2026-11-24"
                             ).get_data(as_text=True)
    assert "account 884201" not in next_day
    assert staff_web.get("/staff/audit?until=9999-12-31").status_code == 200


def test_the_audit_pager_keeps_the_filters_and_nothing_else(heron, staff_web):
    for _ in range(51):
        assert staff_web.get("/staff/accounts/884201").status_code == 200
    for query in ("endpoint=x", "_method=BOGUS", "action=account.viewed&endpoint=x"):
        resp = staff_web.get(f"/staff/audit?{query}")
        assert resp.status_code == 200, query
    page = staff_web.get("/staff/audit?action=account.viewed&endpoint=x").get_data(as_text=True)
    assert "action=account.viewed" in page and "endpoint=x" not in page
