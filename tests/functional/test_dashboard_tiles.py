"""Dashboard tiles equal the lists they open (issue 15: "Open orders 17" opened a list of 16,
"Overdue clocks" opened every order awaiting the desk, "Open escalations 1" listed 3), and
staff escalations name the partner that owns the order, not the agent that raised it."""
import html
import json
import re

from tests.conftest import EXAMPLES, Api, Web, set_now

TILE = re.compile(r'id="tile-([\w-]+)" href="([^"]+)"><div class="n">(\d+)</div>')


def body(name="lsr-simple-port.json", **changes):
    return {**json.loads((EXAMPLES / name).read_text()), **changes}


def tiles(page: str) -> dict[str, tuple[str, int]]:
    """tile key -> (the link it opens, the number it shows)."""
    return {key: (html.unescape(href), int(n)) for key, href, n in TILE.findall(page)}


def table_rows(page: str) -> int:
    if "<tbody>" not in page:
        return 0
    return page[page.index("<tbody>"):page.index("</tbody>")].count("<tr")


def escalation_cards(page: str) -> int:
    return len(re.findall(r'<li class="card[^"]*" id="esc-\d+"', page))


def a_mixed_book(app, heron, desk, actors, client):
    """Monday: a FOC due Tuesday, an expedite for the desk, two rejects, another partner's
    reject. Tuesday 18:00: the expedite's FOC clock (Tuesday 17:00) is overdue; a Montana fax
    expedite that arrived at 15:00 Mountain is not yet (due Wednesday)."""
    focd = heron.post("/api/v1/lsrs", body()).get_json()
    expedite = heron.post("/api/v1/lsrs", body("lsr-partial-port.json", ddd="2026-11-24",
                                               exp="Y")).get_json()
    for pon in ("REJ1", "REJ2"):
        assert heron.post("/api/v1/lsrs", body(pon=pon, tns=["5415550199"])).get_json()[
            "status"] == "rejected"
    actors.partner("NWT", "Northwest Telco", spids=("N123",), type="clec")
    actors.user("nwt", partner="NWT")
    nwt = Api(client, actors.token("nwt"))
    nwt.post("/api/v1/lsrs", body(ccna="NWT", cc="N123", pon="NWT1", tns=["5415550199"]))
    set_now(app, "2026-11-24T18:00:00-08:00")
    fax = desk.post("/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-24T15:00:00-07:00",
        "lsr": {"ccna": "BHW", "pon": "MTFAX1", "ver": "1", "an": "900001", "cc": "B451",
                "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "exp": "Y",
                "agauth": "Y", "init_tel": "5419990123", "eu": {"zip": "59715"},
                "tns": ["4065550100"]}}).get_json()
    assert (focd["status"], expedite["status"], fax["status"]) == (
        "foc", "manual_review", "manual_review")
    return {"foc": focd, "expedite": expedite, "fax": fax}


def test_each_partner_tile_equals_the_list_its_link_opens(app, heron, desk, actors, client,
                                                         montana, web):
    a_mixed_book(app, heron, desk, actors, client)
    shown = tiles(web.get("/portal/").get_data(as_text=True))
    assert set(shown) == {"open", "due_today", "due_this_week", "rejected", "overdue"}
    expected = {"open": 3, "due_today": 1, "due_this_week": 1, "rejected": 2, "overdue": 1}
    for key, (href, count) in shown.items():
        listed = web.get(href).get_data(as_text=True)
        assert (count, table_rows(listed)) == (expected[key], expected[key]), key
    overdue = web.get(shown["overdue"][0]).get_data(as_text=True)
    assert "BHW20261123B" in overdue and "MTFAX1" not in overdue  # only the late clock
    assert "Showing overdue clocks" in overdue


def test_the_partner_export_follows_the_tile_too(app, heron, desk, actors, client, montana,
                                                web):
    a_mixed_book(app, heron, desk, actors, client)
    csv_text = web.get("/portal/orders.csv?show=open").get_data(as_text=True)
    assert sorted(line.split(",")[1] for line in csv_text.splitlines()[1:]) == [
        "BHW20261123A", "BHW20261123B", "MTFAX1"]


def test_an_unknown_tile_name_is_a_form_error_not_every_order(web, heron):
    heron.post("/api/v1/lsrs", body(pon="REJ1", tns=["5415550199"]))
    page = web.get("/portal/orders?show=everything").get_data(as_text=True)
    assert "There is a problem" in page
    assert web.get("/portal/orders.csv?show=everything").status_code == 400


def staff_client(app, actors):
    actors.user("deskadmin", role="staff_admin", partner=None)
    staff = Web(app.test_client())
    staff.login("deskadmin")
    return staff


def test_each_desk_tile_equals_the_list_its_link_opens(app, heron, desk, actors, client,
                                                      montana):
    book = a_mixed_book(app, heron, desk, actors, client)
    set_now(app, "2026-11-24T10:00:00-08:00")
    raised = [heron.post(f"/api/v1/lsrs/{book[k]['id']}/escalations",
                         {"reason": "foc_overdue", "text": k}).get_json()
              for k in ("foc", "expedite", "expedite")]
    assert desk.post(f"/api/v1/staff/escalations/{raised[1]['id']}/acknowledge",
                     {}).status_code == 200
    assert desk.post(f"/api/v1/staff/escalations/{raised[2]['id']}/resolve",
                     {"resolution": "Dated."}).status_code == 200
    set_now(app, "2026-11-24T18:00:00-08:00")  # the waiting escalation is past its 4 hours
    staff = staff_client(app, actors)
    shown = tiles(staff.get("/staff/").get_data(as_text=True))
    assert set(shown) == {"review", "review-overdue", "escalations", "escalations-overdue",
                          "notes"}
    expected = {"review": 2, "review-overdue": 1, "escalations": 2, "escalations-overdue": 1,
                "notes": 0}
    for key, (href, count) in shown.items():
        listed = staff.get(href).get_data(as_text=True)
        rows = escalation_cards(listed) if "escalations" in key else table_rows(listed)
        assert (count, rows) == (expected[key], expected[key]), key


def test_staff_escalations_name_the_orders_owner_and_the_agent_that_raised_it(
        app, examples, actors, client):
    actors.partner()
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    code, out = actors.cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE")
    assert code == 0, out
    ace = Api(client, actors.token("ace"))
    order = ace.post("/api/v1/lsrs", body(loa={
        "filename": "loa.pdf", "content_base64": "JVBERi0xLjQKJSBsb2EK"})).get_json()
    assert order["status"] == "foc", order
    assert ace.post(f"/api/v1/lsrs/{order['id']}/escalations",
                    {"reason": "foc_overdue", "text": "by the agent"}).status_code == 201
    staff = staff_client(app, actors)
    listed = staff.get("/staff/escalations").get_data(as_text=True)
    partner = re.search(r'<dd class="esc-partner">(.*?)</dd>', listed).group(1)
    assert partner == ("Blue Heron Wireless (BHW) · raised by agent Acme Porting Agents (ACE)")
    queue = staff.get("/staff/queue?kind=escalation").get_data(as_text=True)
    row = queue[queue.index("<tbody>"):queue.index("</tbody>")]
    assert "Blue Heron Wireless" in row and "raised by agent Acme Porting Agents (ACE)" in row


def test_an_escalation_raised_by_the_owner_names_no_agent(app, heron, actors):
    order = heron.post("/api/v1/lsrs", body()).get_json()
    heron.post(f"/api/v1/lsrs/{order['id']}/escalations", {"reason": "foc_overdue", "text": ""})
    listed = staff_client(app, actors).get("/staff/escalations").get_data(as_text=True)
    assert '<dd class="esc-partner">Blue Heron Wireless (BHW)</dd>' in listed
    assert "raised by agent" not in listed
