"""Account look-up for the desk: TNs, orders, freeze and the passcode lock (business-rules §4.5)."""
import json

import sqlalchemy as sa

from gateway.models import Account, AuditEvent
from tests.conftest import DISTINCT_PASSCODE, EXAMPLES


def simple_port(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


def test_a_tn_finds_its_account_and_goes_straight_to_it(heron, staff_web):
    resp = staff_web.get("/staff/accounts?q=(541) 555-0301")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/accounts/884377")


def test_a_name_lists_the_matching_accounts(heron, montana, staff_web, cli, tmp_path):
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    (tmp_path / "bakery.csv").write_text(
        f"{header}\n900002,4065550200,BIG SKY BAKERY,40,,MAIN,ST,,,,BOZEMAN,MT,59715,"
        "4065550200,working,pots,N,,,Y,\n")
    assert cli("import-accounts", tmp_path / "bakery.csv")[0] == 0
    page = staff_web.get("/staff/accounts?q=big sky").get_data(as_text=True)
    assert "BIG SKY BAKERY" in page and "BIG SKY RANCH" in page and "freeze" in page
    single = staff_web.get("/staff/accounts?q=ranch")
    assert single.status_code == 302 and single.headers["Location"].endswith("/900001")
    none = staff_web.get("/staff/accounts?q=nobody here").get_data(as_text=True)
    assert "No account matches" in none


def test_a_too_short_query_is_refused_with_a_clear_error(heron, staff_web):
    resp = staff_web.get("/staff/accounts?q=ab")
    assert resp.status_code == 400 and "at least 3 characters" in resp.get_data(as_text=True)


def test_the_account_page_shows_tns_with_statuses_orders_and_flags(heron, staff_web,
                                                                   distinct_passcode):
    order = heron.post("/api/v1/lsrs", simple_port(passcode=DISTINCT_PASSCODE)).get_json()
    page = staff_web.get("/staff/accounts/884201").get_data(as_text=True)
    assert "LINDA NAKAMURA" in page and "5415550142" in page
    assert f'/staff/orders/{order["id"]}' in page and "PON BHW20261123A" in page
    assert "set (never shown)" in page and DISTINCT_PASSCODE not in page
    dental = staff_web.get("/staff/accounts/884377").get_data(as_text=True)
    assert dental.count("badge disconnected") == 1 and dental.count("badge working") == 2


def test_unknown_account_is_404(staff_web):
    assert staff_web.get("/staff/accounts/000000").status_code == 404


def test_staff_lift_a_passcode_lock_and_it_is_audited(heron, staff_web, store):
    for n in range(5):
        heron.post("/api/v1/lsrs", simple_port(pon=f"PC{n}", passcode="0000"))
    page = staff_web.get("/staff/accounts/884201").get_data(as_text=True)
    assert "5 failed passcodes in the last 24 hours" in page and "Unlock port-outs" in page
    resp = staff_web.post("/staff/accounts/884201/unlock", follow_redirects=True)
    assert "Account 884201 unlocked" in resp.get_data(as_text=True)
    assert store.get(Account, "884201").locked_until is None
    event = store.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.unlocked"))
    assert event.actor == "deskadmin"
    assert heron.post("/api/v1/lsrs", simple_port(pon="PCOK")).get_json()["status"] == "foc"


def test_unlocking_an_account_that_is_not_locked_is_refused_and_not_audited(heron, staff_web,
                                                                            store):
    resp = staff_web.post("/staff/accounts/884201/unlock", follow_redirects=True)
    assert "Account 884201 is not locked." in resp.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "account.unlocked")) == 0
