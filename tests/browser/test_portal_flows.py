"""The partner's day in a real browser: sign in, a CSR, a rejected LSR fixed to an FOC, a
partial port through the table, a due-date supplement (headless Chromium, CSRF on)."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.a11y import axe_check
from tests.browser.conftest import follow, login
from tests.browser.portal_data import LSR_SIMPLE, api, carrier, fill_lsr_request


def _fill_simple_port(page, *, zip_code: str) -> None:
    page.get_by_label("PON", exact=True).fill("BHW20261123A")
    page.get_by_label("AN", exact=True).fill("884201")
    page.get_by_label("CC", exact=True).fill("B451")
    page.get_by_label("NPDI", exact=True).select_option("C")
    page.get_by_label("DDD", exact=True).fill("2026-11-24")
    page.get_by_label("AGAUTH = Y", exact=False).check()
    page.get_by_label("PASSCODE", exact=True).fill("7713")
    page.get_by_label("TEL NO (INIT)", exact=True).fill("5419990123")
    page.get_by_label("ZIP", exact=True).fill(zip_code)
    page.get_by_label("PORTED NBR", exact=True).fill("541-555-0142")


def test_keyboard_sign_in_lands_on_the_dashboard(live, page):
    carrier(live, admin=False)
    page.goto("/login")
    page.get_by_label("Username").focus()
    page.keyboard.type("heron")
    page.keyboard.press("Tab")
    page.keyboard.type("Test-Pass-2026!x")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("port-out dashboard")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()


def test_partner_requests_a_csr_with_the_attestation_and_downloads_it(live, page):
    carrier(live, admin=False)
    login(page, "heron")
    follow(page, page.get_by_role("link", name="CSRs"))
    follow(page, page.get_by_role("link", name="Request a CSR").first)
    page.get_by_label("Telephone number (TN)").fill("(541) 555-0142")
    page.get_by_role("button", name="Request the CSR").click()
    expect(page.locator(".error-summary")).to_contain_text("Tick the attestation")
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_label("I affirm that my company holds the end user").check()
    page.get_by_role("button", name="Request the CSR").click()
    expect(page.get_by_text("CSR returned for TN 5415550142.")).to_be_visible()
    expect(page.get_by_text("LINDA NAKAMURA")).to_be_visible()
    expect(page.get_by_text("Qualifies for a simple port")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "884201,5415550142,LINDA NAKAMURA" in text


def test_an_lsr_is_checked_rejected_fixed_and_confirmed(live, page):
    carrier(live, admin=False)
    login(page, "heron")
    follow(page, page.get_by_role("link", name="New LSR").first)
    _fill_simple_port(page, zip_code="97700")
    lines = page.locator("#tn-lines")
    expect(lines).to_contain_text("1 valid")  # the live check (a CSRF-protected fetch)
    axe_check(page)
    page.get_by_role("button", name="Check before sending").click()
    expect(page.locator(".error-summary")).to_contain_text("R305")
    expect(page.locator("#eu_zip-field .finding")).to_contain_text(
        "Use the service ZIP from the CSR")
    page.get_by_role("button", name="Send LSR").click()
    notice = page.locator(".notice.reject")
    expect(notice).to_contain_text("R305")
    expect(notice).to_contain_text("ZIP code does not match the service address")
    expect(notice).to_contain_text("Use the service ZIP from the CSR")
    notice.get_by_role("link", name="Fix it").click()
    expect(page.get_by_label("VER", exact=True)).to_have_value("2")
    expect(page.locator("#eu_zip-field .finding")).to_contain_text("R305")
    expect(page.get_by_text("Type the PASSCODE again")).to_be_visible()
    page.get_by_label("PASSCODE", exact=True).fill("7713")
    page.get_by_label("ZIP", exact=True).fill("97703")
    page.get_by_role("button", name="Send LSR").click()
    expect(page.get_by_text("FOC issued: PON BHW20261123A is due 2026-11-24.")).to_be_visible()
    expect(page.locator(".notice.foc")).to_contain_text("2026-11-24")
    expect(page.locator(".timeline")).to_contain_text("VER 2 · LSR received")


def test_a_partial_port_is_sent_through_the_table(live, page):
    carrier(live, admin=False)
    login(page, "heron")
    page.goto("/portal/csr/new")
    page.get_by_label("Telephone number (TN)").fill("5415550300")
    page.get_by_label("I affirm that my company holds the end user").check()
    follow(page, page.get_by_role("button", name="Request the CSR"))
    follow(page, page.get_by_role("link", name="Start an LSR from this CSR"))
    table = page.locator("#partial-table")
    expect(table).to_contain_text("not working: cannot port")
    page.get_by_role("button", name="Port all").click()  # a multi-line account starts unmarked
    page.get_by_label("Keep 5415550301").check()
    expect(page.locator("#new-btn-field")).to_be_visible()
    page.get_by_label(re.compile("New BTN when the BTN")).select_option("5415550301")
    expect(page.get_by_label("PORTED NBR", exact=True)).to_have_value("5415550300")
    expect(page.get_by_label("MI", exact=True)).to_have_value("A")
    expect(page.get_by_label("NAN", exact=True)).to_have_value("5415550301")
    expect(page.get_by_label("REMARKS", exact=True)).to_have_value("PARTIAL PORT")
    expect(page.locator("#tn-lines")).to_contain_text("1 valid")
    axe_check(page)  # the form as the table's script filled it
    expect(page.get_by_label("CC", exact=True)).to_have_value("B451")  # the partner's SPID
    fill_lsr_request(page, "BHW20261123B", "2026-12-01")
    page.get_by_role("button", name="Check before sending").click()
    expect(page.locator("#check-ok")).to_contain_text("Expected FOC due date 2026-12-01")
    page.get_by_role("button", name="Send LSR").click()
    foc = page.locator(".notice.foc")
    expect(foc).to_contain_text("2026-12-01")
    expect(foc).to_contain_text("New BTN")
    expect(foc).to_contain_text("5415550301")


def test_a_due_date_supplement_moves_the_foc(live, page):
    token = carrier(live, admin=False)
    order = api(live, token, "/api/v1/lsrs", LSR_SIMPLE)
    login(page, "heron")
    follow(page, page.get_by_role("link", name="Orders", exact=True))
    follow(page, page.get_by_role("link", name="BHW20261123A"))
    expect(page.locator(".clocks")).to_contain_text("Porting window")
    section = page.locator("#due-date")
    expect(section.get_by_label("VER")).to_have_value("2")
    section.get_by_label("New desired due date (DDD)").fill("2026-12-01")
    section.get_by_role("button", name="Ask for the new date").click()
    expect(page.get_by_text(re.compile("Supplement VER 2 accepted"))).to_be_visible()
    expect(page.locator(".notice.foc")).to_contain_text("2026-12-01")
    expect(page.locator(".timeline")).to_contain_text("VER 2 · New due date (SUP 2)")
    expect(page).to_have_url(re.compile(rf"/portal/orders/{order['id']}$"))
