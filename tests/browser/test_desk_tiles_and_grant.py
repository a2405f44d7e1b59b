"""Issue 15 in a real browser: the expedite's one-click grant (or why it cannot be granted),
dashboard tiles that open lists of exactly their number, and escalations under the order's
owner."""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from gateway.models import AuditEvent, Lsr
from tests.browser.conftest import login
from tests.browser.portal_data import LSR_PARTIAL, LSR_SIMPLE, api, carrier
from tests.browser.test_staff_console import query
from tests.conftest import load_montana


def staff_token(live) -> str:
    live.actors.user("desk", role="staff_admin", partner=None)
    return live.actors.token("desk")


def test_staff_grant_the_requested_date_in_one_click_with_its_csrf_token(live, page):
    token = carrier(live, admin=False)
    order = api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, ddd="2026-11-23", exp="Y"))
    assert order["review_reason"] == "expedite"
    staff_token(live)
    login(page, "desk")
    page.goto(f"/staff/orders/{order['id']}")
    forged = page.request.post(f"{live.url}/staff/orders/{order['id']}/grant-expedite",
                               form={"x": "1"})  # signed in, but without the page's token
    assert forged.status == 400
    assert query(live, sa.select(Lsr.status))[0][0] == "manual_review"
    page.get_by_role("button", name="Grant the requested date: FOC on 2026-11-23").click()
    expect(page.get_by_text("Expedite granted for PON BHW20261123A: FOC due 2026-11-23"))\
        .to_be_visible()
    expect(page.locator(".page-head .badge").first).to_have_text("foc")
    assert query(live, sa.select(Lsr.status, Lsr.due_date))[0][0] == "foc"
    assert query(live, sa.select(Lsr.due_date))[0][0].isoformat() == "2026-11-23"
    [(details,)] = query(live, sa.select(AuditEvent.details).where(
        AuditEvent.action == "lsr.staff_foc"))
    assert details["grant"] == "requested_date" and details["expedite"] == "granted"


def test_a_requested_date_past_by_now_is_explained_instead_of_offered(live, page):
    token = carrier(live, admin=False)
    order = api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, ddd="2026-11-23", exp="Y"))
    live.set_now("2026-11-24T09:00:00-08:00")
    staff_token(live)
    login(page, "desk")
    page.goto(f"/staff/orders/{order['id']}")
    expect(page.locator("#grant-refused")).to_contain_text(
        "2026-11-23 is in the past (today is 2026-11-24)")
    expect(page.get_by_role("button", name=re.compile("Grant the requested date"))) \
        .to_have_count(0)
    # the standard date (11-24) is today: as every computed date, it is given no earlier than
    # the business day after the FOC is issued (§5.3)
    expect(page.get_by_role("button", name="Decline: FOC on the standard date 2026-11-25")) \
        .to_be_visible()


def test_every_tile_opens_a_list_of_exactly_its_number(live, page, tmp_path):
    token = carrier(live, admin=False)
    focd = api(live, token, "/api/v1/lsrs", LSR_SIMPLE)
    expedite = api(live, token, "/api/v1/lsrs", dict(LSR_PARTIAL, ddd="2026-11-24", exp="Y"))
    for pon in ("REJ1", "REJ2"):
        api(live, token, "/api/v1/lsrs", dict(LSR_SIMPLE, pon=pon, tns=["5415550199"]))
    load_montana(live.cli, tmp_path)
    desk = staff_token(live)
    escalations = [api(live, token, f"/api/v1/lsrs/{o['id']}/escalations",
                       {"reason": "foc_overdue", "text": "Waiting."}) for o in (focd, expedite)]
    api(live, desk, f"/api/v1/staff/escalations/{escalations[0]['id']}/resolve",
        {"resolution": "Called back."})
    live.set_now("2026-11-24T18:00:00-08:00")  # the expedite's FOC was due 17:00 today
    api(live, desk, "/api/v1/staff/manual-lsrs", {
        "partner_ccna": "BHW", "channel": "fax", "received_at": "2026-11-24T15:00:00-07:00",
        "lsr": {"ccna": "BHW", "pon": "MTFAX1", "ver": "1", "an": "900001", "cc": "B451",
                "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "exp": "Y",
                "agauth": "Y", "init_tel": "5419990123", "eu": {"zip": "59715"},
                "tns": ["4065550100"]}})  # awaits the desk, due tomorrow: not overdue
    login(page, "heron")
    for tile, number in (("open", 3), ("due_today", 1), ("rejected", 2), ("overdue", 1)):
        page.goto("/portal/")
        link = page.locator(f"#tile-{tile}")
        expect(link.locator(".n")).to_have_text(str(number))
        link.click()
        expect(page).to_have_url(re.compile(rf"show={tile}"))
        expect(page.locator("table.orders tbody tr")).to_have_count(number)
    expect(page.locator("table.orders")).to_contain_text("BHW20261123B")  # the late clock
    desk_page = page.context.browser.new_context(base_url=live.url).new_page()
    try:
        login(desk_page, "desk")
        for tile, number, rows in (("escalations", 1, "ul.escalations > li"),
                                   ("review", 2, "table.queue tbody tr"),
                                   ("review-overdue", 1, "table.queue tbody tr")):
            desk_page.goto("/staff/")
            link = desk_page.locator(f"#tile-{tile}")
            expect(link.locator(".n")).to_have_text(str(number))
            link.click()
            expect(desk_page.locator("h1")).not_to_have_text("LNP desk")
            expect(desk_page.locator(rows)).to_have_count(number)
        expect(desk_page.locator("table.queue")).to_contain_text("BHW20261123B")
        desk_page.goto("/staff/escalations")
        expect(desk_page.locator(".esc-partner")).to_have_text("Blue Heron Wireless (BHW)")
    finally:
        desk_page.context.close()
