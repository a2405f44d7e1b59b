"""Port-out protection in headless Chromium (business-rules §11.2): the end user stops a port
from the email's link on a 390 px phone; the desk releases the held order at 1280 px. With
PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/protection-*.png."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from gateway.models import Lsr, Notice
from tests.browser.conftest import follow, login
from tests.browser.test_staff_console import api_post, partner_with_token, query, staff
from tests.conftest import EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/stop/[A-Za-z0-9_\-]+)")


def _target(tmp_path: Path) -> Path:
    target = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


def _fits(tab, width: int) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def test_end_user_stops_a_port_on_a_phone_and_the_desk_releases_it(live, browser, page,
                                                                   tmp_path):
    shots = _target(tmp_path)
    token = partner_with_token(live)
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = api_post(page, live, token, "/api/v1/lsrs", body)
    assert order["status"] == "foc"
    (email,), = query(live, sa.select(Notice.body).where(Notice.event == "enduser.port_notice"))
    path = LINK.search(email).group(1)

    phone = browser.new_context(base_url=live.url, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    tab = phone.new_page()
    tab.goto(path)
    expect(tab.get_by_role("heading", level=1)).to_have_text(
        "Did you ask to move your phone numbers?")
    expect(tab.get_by_text("541-555-0142")).to_be_visible()
    expect(tab.get_by_text("Blue Heron Wireless (BHW)").first).to_be_visible()
    expect(tab.get_by_text("2026-11-24")).to_be_visible()
    button = tab.get_by_role("button", name=re.compile("I did not ask for this"))
    assert button.bounding_box()["width"] >= 300  # a thumb-sized button on the phone
    _fits(tab, 390)
    tab.screenshot(path=str(shots / "protection-enduser-link.png"), full_page=True)
    tab.once("dialog", lambda dialog: dialog.accept())  # the one confirmation
    follow(tab, button)
    expect(tab.get_by_role("heading", level=1)).to_have_text("The move is stopped")
    _fits(tab, 390)
    tab.screenshot(path=str(shots / "protection-enduser-stopped.png"), full_page=True)
    assert tab.goto(path).status == 404  # the link is used up
    expect(tab.get_by_text("This link is no longer valid")).to_be_visible()
    phone.close()
    assert query(live, sa.select(Lsr.hold).where(Lsr.id == order["id"])) == [("dispute",)]

    login(page, staff(live, "desk", "staff"))
    follow(page, page.locator("nav.subnav").get_by_role("link", name="Work queue"))
    row = page.locator("table.queue tbody tr").first
    expect(row).to_contain_text("dispute")
    expect(row).to_contain_text(order["pon"])
    page.screenshot(path=str(shots / "protection-staff-queue.png"), full_page=True)
    follow(page, row.get_by_role("link", name=re.compile("Decide")))
    expect(page.get_by_role("heading", name=re.compile("On hold: the end user disputed"))
           ).to_be_visible()
    page.screenshot(path=str(shots / "protection-staff-hold.png"), full_page=True)
    page.get_by_label("Remarks").fill("End user called back: the port is genuine.")
    page.once("dialog", lambda dialog: dialog.accept())
    follow(page, page.get_by_role("button", name="Release the hold"))
    expect(page.get_by_text(f"PON {order['pon']}: hold released")).to_be_visible()
    expect(page.get_by_text("hold ended: released")).to_be_visible()
    page.screenshot(path=str(shots / "protection-staff-released.png"), full_page=True)
    assert query(live, sa.select(Lsr.hold, Lsr.status).where(Lsr.id == order["id"])) == \
        [(None, "foc")]
