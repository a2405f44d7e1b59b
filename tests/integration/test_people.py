"""People (business-rules §1.3.2): users have a full name and an optional phone, shown wherever
their actions are listed: user lists, order timelines, audit views and exports."""
import csv
import io
import json

import sqlalchemy as sa

from gateway.models import Partner, User
from tests.conftest import EXAMPLES, PASSWORD, Api, Web


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


def test_order_timeline_names_the_person_who_sent_each_version(client, actors, cli):
    actors.partner()
    for kind in ("spids", "codes", "blocks", "tns"):
        assert cli("npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")[0] == 0
    assert cli("import-accounts", EXAMPLES / "accounts.csv")[0] == 0
    assert _add(cli, "dana", "--name", "Dana Reyes")[0] == 0
    api = Api(client, actors.token("dana"))
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = api.post("/api/v1/lsrs", body).get_json()
    assert order["status"] == "foc", order
    web = Web(client)
    web.login("dana")
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert "Dana Reyes (dana)" in page


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
