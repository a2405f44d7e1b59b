"""The order conversation and coordinated cuts in headless Chromium (business-rules §13):
the desk asks for the LOA, the partner answers with a PDF, the desk reads it; a coordinated
port gets an FOC with a time that the partner sees on the order and the dashboard. With
PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/notes-*.png and coordinated-*.png."""
from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from gateway.models import Lsr, OrderNote
from tests.browser.conftest import follow, login
from tests.conftest import EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = b"%PDF-1.4\n% the end user's signed LOA\n%%EOF\n"
LINDA = {"name": "LINDA NAKAMURA", "sano": "2210", "sasn": "FIRCREST", "sath": "DR",
         "city": "BEND", "state": "OR", "zip": "97703"}


def _shooter(tmp_path):
    target = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)

    return shot


def _setup(live) -> str:
    live.load_examples()
    live.actors.partner()
    live.actors.user("heron")
    live.actors.user("desk", role="staff", partner=None)
    return live.actors.token("heron")


def _api_post(page, live, token, path, body) -> dict:
    resp = page.request.post(live.url + path, data=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert resp.ok, resp.text()
    return resp.json()


def _rows(live, statement):
    with live.app.app_context():
        session = live.app.extensions["portgate_db"].sessionmaker()
        try:
            return session.execute(statement).all()
        finally:
            session.close()


def _partner_page(browser, live):
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    return context, context.new_page()


def test_desk_asks_for_the_loa_and_reads_the_partners_pdf_in_the_thread(
        live, page, browser, tmp_path):
    shot = _shooter(tmp_path)
    token = _setup(live)
    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    order = _api_post(page, live, token, "/api/v1/lsrs", body)
    assert order["status"] == "foc"

    # the desk asks for the LOA on the order page
    login(page, "desk")
    page.goto(f"/staff/orders/{order['id']}")
    page.get_by_label("Note", exact=True).fill("Please send the end user's signed LOA for this "
                                               "port.")
    page.get_by_label(re.compile("Request information from the partner")).check()
    follow(page, page.get_by_role("button", name="Send the note"))
    expect(page.get_by_text("Information requested: the order awaits the partner.")).to_be_visible()
    expect(page.locator("#notes .note.request-info")).to_have_count(1)

    # the partner sees it on its dashboard and its order, and answers with the PDF
    context, partner = _partner_page(browser, live)
    login(partner, "heron")
    expect(partner.get_by_role("heading", name="The LNP desk asks for information")).to_be_visible()
    follow(partner, partner.locator("#awaiting-partner a").first)
    expect(partner.get_by_role("heading", name="Awaiting your answer")).to_be_visible()
    partner.get_by_label("Note", exact=True).fill("Signed LOA attached (scanned today).")
    partner.get_by_label("Attachment (optional)").set_input_files(
        files=[{"name": "nakamura-loa.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    follow(partner, partner.get_by_role("button", name="Send the note"))
    expect(partner.get_by_text("Your note was sent to the carrier's LNP desk.")).to_be_visible()
    expect(partner.get_by_role("heading", name="Awaiting your answer")).to_have_count(0)
    expect(partner.locator("#notes .note")).to_have_count(2)
    partner.locator("#notes").scroll_into_view_if_needed()
    shot(partner, "notes-partner-thread")
    context.close()

    # the desk finds the answer in its queue and reads the PDF
    page.goto("/staff/queue?kind=note")
    row = page.locator("table.queue tbody tr").first
    expect(row).to_contain_text("note")
    follow(page, row.get_by_role("link", name=re.compile("Answer")))
    link = page.locator("#notes").get_by_role("link", name="nakamura-loa.pdf")
    expect(link).to_be_visible()
    download = page.request.get(live.url + link.get_attribute("href"))
    assert download.ok and download.body() == PDF
    assert download.headers["content-type"] == "application/pdf"
    page.locator("#notes").scroll_into_view_if_needed()
    shot(page, "notes-staff-thread")
    kinds = _rows(live, sa.select(OrderNote.author_kind, OrderNote.request_info,
                                  OrderNote.attachment_type).order_by(OrderNote.id))
    assert [tuple(k) for k in kinds] == [("staff", True, None),
                                         ("partner", False, "application/pdf")]


def test_desk_issues_a_coordinated_foc_with_a_time_the_partner_then_sees(
        live, page, browser, tmp_path):
    shot = _shooter(tmp_path)
    token = _setup(live)

    # the LSR form offers CHC and DFDT (help from lsr-fields.csv)
    context, partner = _partner_page(browser, live)
    login(partner, "heron")
    partner.goto("/portal/lsrs/new")
    partner.get_by_label(re.compile("CHC = Y")).check()
    partner.get_by_label("DFDT").fill("10:30")
    expect(partner.locator("#dfdt-field")).to_contain_text("HH:MM")
    partner.locator("#chc-field").scroll_into_view_if_needed()
    shot(partner, "coordinated-lsr-form")

    body = json.loads((EXAMPLES / "lsr-simple-port.json").read_text())
    body.update(pon="BHWCUT1", ddd="2026-12-10", chc="Y", dfdt="10:30", eu=LINDA,
                init="JANE DOE")
    order = _api_post(page, live, token, "/api/v1/lsrs", body)
    assert order["review_reason"] == "coordinated"

    login(page, "desk")
    page.goto(f"/staff/orders/{order['id']}")
    expect(page.get_by_role("heading", name="Decide the coordinated cut")).to_be_visible()
    expect(page.get_by_label(re.compile("Cut time"))).to_have_value("10:30")
    page.get_by_label("FOC due date").fill("2026-12-10")
    follow(page, page.get_by_role("button", name="Issue the FOC"))
    expect(page.get_by_text("FOC issued for PON BHWCUT1: due 2026-12-10 at 10:30 local.")
           ).to_be_visible()
    expect(page.locator(".cut-time").first).to_contain_text("cut at 10:30 PT on 2026-12-10")
    shot(page, "coordinated-staff-foc")
    assert [tuple(r) for r in _rows(live, sa.select(Lsr.due_date, Lsr.due_time))] == \
        [(date(2026, 12, 10), "10:30")]

    partner.goto(f"/portal/orders/{order['id']}")
    expect(partner.locator(".cut-time").first).to_have_text("10:30 PT on 2026-12-10")
    shot(partner, "coordinated-partner-foc")
    partner.goto("/portal/")
    cuts = partner.locator("#coordinated-cuts")
    expect(cuts).to_contain_text("cut at 10:30 PT on 12-10")
    shot(partner, "coordinated-dashboard")
    context.close()
