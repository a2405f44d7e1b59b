"""The staff consoles in headless Chromium: expedite, Montana fax, onboarding, escalation."""
import json
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from gateway.models import Delivery, Lsr, Notice, Partner
from tests.browser.conftest import follow, login
from tests.conftest import EXAMPLES, load_montana

NEW_PASSWORD = "Juniper-Port-2026!"


def api_post(page, live, token, path, body):
    resp = page.request.post(live.url + path, data=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert resp.ok, resp.text()
    return resp.json()


def partner_with_token(live):
    live.load_examples()
    live.actors.partner()
    live.actors.user("heron")
    return live.actors.token("heron")


def staff(live, username="boss", role="staff_admin"):
    live.actors.user(username, role=role, partner=None)
    return username


def query(live, statement):
    with live.app.app_context():
        session = live.app.extensions["portgate_db"].sessionmaker()
        try:
            return session.execute(statement).all()
        finally:
            session.close()


def test_staff_grant_an_expedite_on_an_earlier_date(live, page):
    token = partner_with_token(live)
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23",
                exp="Y")
    order = api_post(page, live, token, "/api/v1/lsrs", body)
    assert order["status"] == "manual_review" and order["review_reason"] == "expedite"
    login(page, staff(live, "desk", "staff"))
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Work queue"))
    row = page.locator("table.queue tbody tr").first
    expect(row).to_contain_text("expedite")
    follow(page, row.get_by_role("link", name=re.compile("Decide")))
    expect(page.get_by_text("Earliest standard date")).to_be_visible()
    expect(page.locator("dl.dates strong")).to_have_text("2026-11-24")
    date_input = page.get_by_label("FOC due date")
    date_input.fill("2026-11-23")
    follow(page, lambda: date_input.press("Enter"))  # keyboard: Enter submits the FOC form
    expect(page.get_by_text("FOC issued for PON BHW20261123A: due 2026-11-23.")).to_be_visible()
    expect(page.locator(".page-head .badge").first).to_have_text("foc")
    status, due = query(live, sa.select(Lsr.status, Lsr.due_date))[0]
    assert status == "foc" and due.isoformat() == "2026-11-23"


def test_staff_enter_a_montana_fax_request(live, page, tmp_path):
    partner_with_token(live)
    load_montana(live.cli, tmp_path)
    login(page, staff(live))
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Manual LSR"))
    page.get_by_label("Trading partner (sender)").select_option("BHW")
    page.get_by_label("Received by").select_option("fax")
    page.get_by_label("Received at (from the fax or email header)").fill("2026-11-23T09:00")
    page.get_by_label("Time zone of the received time").select_option("America/Denver")
    for label, value in (("PON", "MTFAX1"), ("VER", "1"), ("AN", "900001"), ("CC", "B451"),
                         ("NPDI", "C"), ("REQTYP", "CB"), ("ACT", "V"), ("DDD", "2026-11-25"),
                         ("AGAUTH", "Y"), ("INIT TEL NO", "5419990123"), ("ZIP", "59715")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("PORTED NBR (TNs to port)").fill("(406) 555-0100")
    follow(page, page.get_by_role("button", name="Enter and check the LSR"))
    expect(page.get_by_text("Fax LSR PON MTFAX1 entered: foc.")).to_be_visible()
    expect(page.locator("dl.kv").first).to_contain_text("fax")
    status, channel, due = query(live, sa.select(Lsr.status, Lsr.channel, Lsr.due_date))[0]
    assert (status, channel, due.isoformat()) == ("foc", "fax", "2026-11-25")


def test_a_failed_manual_entry_shows_the_error_summary_first(live, page, tmp_path):
    partner_with_token(live)
    load_montana(live.cli, tmp_path)
    login(page, staff(live))
    page.goto("/staff/manual/lsr")
    follow(page, page.get_by_role("button", name="Enter and check the LSR"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Trading partner (sender)")
    expect(summary).to_be_focused()  # focused for keyboards
    assert query(live, sa.select(sa.func.count()).select_from(Lsr))[0][0] == 0


def test_staff_onboard_a_partner_whose_admin_then_signs_in(live, page, browser):
    live.load_examples()
    login(page, staff(live))
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Partners"))
    follow(page, page.get_by_role("link", name="Record a Trading Partner Profile"))
    fields = {"Company name": "Juniper Mobile", "CCNA (3 letters)": "JUN",
              "NPAC SPIDs (comma-separated; agents may have none)": "J123",
              "OCN (4 letters or digits; agents may leave blank)": "1234",
              "Street address": "1 Main St", "City": "Boise", "State": "ID", "ZIP": "83702",
              "Administrator 1: name": "Ana Ortiz", "Administrator 1: username": "ana.jun",
              "Administrator 1: email": "ana@juniper.example",
              "Administrator 1: phone": "2085550101"}
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Company type").select_option("wireless")
    follow(page, page.get_by_role("button", name="Record the profile (pending)"))
    expect(page.get_by_text("recorded as pending")).to_be_visible()
    expect(page.get_by_text("Two administrators are recommended.")).to_be_visible()
    follow(page, page.get_by_role("button", name=re.compile("Approve")))
    expect(page.get_by_text("1 administrator login created and sent (ana.jun).")).to_be_visible()
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Outbox"))
    expect(page.get_by_text("Your Portgate login for Cascade Telecom port-outs")).to_be_visible()
    body = query(live, sa.select(Notice.body).join(Delivery).where(
        Notice.event == "partner.welcome"))[0][0]
    link = re.search(r"(/welcome/\S+)", body).group(1)
    admin = browser.new_context(base_url=live.url)
    tab = admin.new_page()
    tab.goto(link)
    tab.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    tab.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    follow(tab, tab.get_by_role("button", name="Set my password"))
    expect(tab.get_by_text("Your password is set, ana.jun.")).to_be_visible()
    login(tab, "ana.jun", NEW_PASSWORD)
    expect(tab).to_have_url(re.compile(r"/admin/$"))
    tab.goto(link)
    expect(tab.get_by_text("This link no longer works")).to_be_visible()
    admin.close()


def test_staff_acknowledge_and_resolve_an_escalation(live, page):
    token = partner_with_token(live)
    body = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), ddd="2026-11-23",
                exp="Y")
    order = api_post(page, live, token, "/api/v1/lsrs", body)
    escalation = api_post(page, live, token, f"/api/v1/lsrs/{order['id']}/escalations",
                          {"reason": "foc_overdue", "text": "Customer is waiting"})
    login(page, staff(live, "desk", "staff"))
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Escalations"))
    card = page.locator(f"#esc-{escalation['id']}")
    expect(card).to_contain_text("Customer is waiting")
    expect(card).to_contain_text("LNP Desk")
    follow(page, card.get_by_role("button", name=f"Acknowledge escalation {escalation['id']}"))
    expect(page.get_by_text(f"Escalation {escalation['id']} acknowledged")).to_be_visible()
    card = page.locator(f"#esc-{escalation['id']}")
    expect(card).to_contain_text("acknowledged")
    expect(card).to_contain_text("by desk")
    card.get_by_label(f"Resolution of escalation {escalation['id']}").fill("FOC sent for 11-24")
    follow(page, card.get_by_role("button", name=f"Resolve escalation {escalation['id']}"))
    expect(page.get_by_text(f"Escalation {escalation['id']} resolved")).to_be_visible()
    events = {e for (e,) in query(live, sa.select(Notice.event))}
    assert {"escalation.raised", "escalation.acknowledged", "escalation.resolved"} <= events


def test_a_staff_form_posted_without_its_csrf_token_is_refused(live, page):
    live.load_examples()
    login(page, staff(live))
    resp = page.request.post(live.url + "/staff/accounts/884201/unlock")
    assert resp.status == 400 and "CSRF" in resp.text()
    resp = page.request.post(live.url + "/staff/partners/new", form={"name": "X", "ccna": "XYZ"})
    assert resp.status == 400
    assert query(live, sa.select(sa.func.count()).select_from(Partner))[0][0] == 0
