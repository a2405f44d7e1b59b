"""Keyboard reach on the LSR form of a big account (issue 15, accessibility): the box of checked
TN lines scrolls, so it is a labelled tab stop that the keyboard scrolls (axe's
scrollable-region-focusable), and the form of a 600-TN CSR passes the axe checks."""
from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.a11y import axe_check
from tests.browser.conftest import login
from tests.browser.portal_data import api, carrier
from tests.conftest import EXAMPLES

FIRST_TN = 5415553000
N = 600


def _big_account(live, tmp_path) -> list[str]:
    """One POTS account with N working TNs (the first is the BTN)."""
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    tns = [str(FIRST_TN + i) for i in range(N)]
    rows = [f"810000,{tns[0]},CASCADE CLINICS LLC,400,,WALL,ST,,,,BEND,OR,97701,{tn},"
            f"working,pots,N,,,N,it@cascadeclinics.example" for tn in tns]
    path = tmp_path / "big-account.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    live.cli_ok("import-accounts", path)
    return tns


def _scrolled(box, seconds: float = 5) -> int:
    """The box's scrollTop once it moves (keyboard scrolling may be animated)."""
    deadline = time.monotonic() + seconds
    while (top := box.evaluate("el => el.scrollTop")) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return top


def test_the_lines_of_a_600_tn_csr_form_scroll_from_the_keyboard(live, page, tmp_path):
    token = carrier(live, admin=False)
    tns = _big_account(live, tmp_path)
    csr = api(live, token, "/api/v1/csr-requests", {"tn": tns[0], "agauth": "Y"})
    assert csr["status"] == "returned"
    login(page, "heron")
    page.goto(f"/portal/lsrs/new?csr={csr['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("New LSR")

    page.get_by_label("PORTED NBR", exact=True).fill("\n".join(tns))
    box = page.get_by_role("region", name="TN lines as checked")
    expect(box.locator("tbody tr")).to_have_count(N)
    axe_check(page)  # 600 lines drawn by the script

    box.focus()  # a tab stop of its own, though it holds nothing focusable
    expect(box).to_be_focused()
    page.keyboard.press("End")
    assert _scrolled(box) > 0
