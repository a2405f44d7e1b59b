"""Everyday frictions found by a new user, each fixed and kept fixed in a real browser."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.a11y import axe_check
from tests.browser.conftest import login
from tests.browser.portal_data import carrier


def test_tns_pasted_several_to_a_line_are_each_checked_and_shown_as_written(live, page):
    carrier(live, admin=False)
    login(page, "heron")
    page.goto("/portal/lsrs/new")
    page.get_by_label("PORTED NBR", exact=True).fill(
        "5415550300\t5415550301\n541 555 0142, 5415550303")
    lines = page.locator("#tn-lines")
    expect(lines).to_contain_text("3 valid")
    expect(lines).to_contain_text("1 not ours")  # 5415550303 is on no account
    rows = lines.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(2).locator("td").nth(1)).to_have_text("541 555 0142")
    expect(rows.nth(3).locator("td").nth(2)).to_have_text("5415550303")
    axe_check(page)  # the lines the script drew
