"""The LSR form for a partner's everyday volume (issue 15), in a real browser: CC / NNSP from the
partner's SPIDs, a 600-TN account's partial port through "Port all" / "Keep the rest" (with
scripts and without), and a NAN list of the TNs that stay."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests import pbx_account
from tests.browser.conftest import login
from tests.browser.portal_data import api, carrier, fill_lsr_request
from tests.conftest import PASSWORD

PORTED = [pbx_account.tn(i) for i in range(10)]  # the BTN and the next nine


def _get(live, token: str, path: str) -> dict:
    req = urllib.request.Request(live.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _pbx_csr(live, tmp_path) -> tuple[str, int]:
    """Blue Heron, the 600-TN account and its CSR; return the API token and the CSR's id."""
    token = carrier(live, admin=False)
    pbx_account.load(live.cli, tmp_path)
    csr = api(live, token, "/api/v1/csr-requests", {"tn": pbx_account.BTN, "agauth": "Y"})
    return token, csr["id"]


def _fill_the_rest_and_send(page, pon: str):
    fill_lsr_request(page, pon, "2026-12-10")
    page.get_by_role("button", name="Send LSR").click()
    expect(page.get_by_text(re.compile(f"FOC issued: PON {pon}"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/portal/orders/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_ten_of_600_tns_port_and_the_rest_stay_through_port_all_and_keep_the_rest(
        live, page, tmp_path):
    token, csr_id = _pbx_csr(live, tmp_path)
    login(page, "heron")
    page.goto(f"/portal/lsrs/new?csr={csr_id}")
    table = page.locator("#partial-table")
    expect(table.locator("tbody tr")).to_have_count(50)  # one page of the 600
    expect(page.locator("#pp-where")).to_have_text("Page 1 of 12 · 600 TNs")
    page.get_by_role("button", name="Next TNs").click()
    expect(table.locator("tbody tr").first).to_have_attribute("data-tn", pbx_account.tn(50))
    page.get_by_label("Show TNs containing").fill("503555000")
    expect(table.locator("tbody tr")).to_have_count(10)
    page.get_by_role("button", name="Port all shown").click()
    page.get_by_label("Show TNs containing").fill("")
    page.get_by_role("button", name="Keep the rest").click()
    expect(page.locator("#pp-tally")).to_contain_text("10 port")
    expect(page.locator("#pp-tally")).to_contain_text("590 keep")
    expect(page.locator("#pp-tally")).to_contain_text("0 not yet marked")
    # the BTN leaves: NAN offers the 590 TNs that stay, none of those ported
    nan_list = page.get_by_label(re.compile("New BTN when the BTN"))
    expect(nan_list).to_be_visible()
    expect(nan_list.locator("option")).to_have_count(591)
    expect(nan_list.locator(f'option[value="{pbx_account.BTN}"]')).to_have_count(0)
    nan_list.select_option(pbx_account.tn(10))
    expect(page.get_by_label("PORTED NBR", exact=True)).to_have_value("\n".join(PORTED))
    expect(page.get_by_label("MI", exact=True)).to_have_value("A")
    expect(page.get_by_label("NAN", exact=True)).to_have_value(pbx_account.tn(10))
    expect(page.get_by_label("REMARKS", exact=True)).to_have_value("PARTIAL PORT")
    expect(page.get_by_label("CC", exact=True)).to_have_value("B451")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, f"the form is {height}px tall"
    order = _fill_the_rest_and_send(page, "PBX0001")
    foc = _get(live, token, f"/api/v1/lsrs/{order}")["foc"]
    assert foc["tns"] == PORTED and foc["new_btn"] == pbx_account.tn(10)
    assert foc["disconnect_tns"] == []


@pytest.fixture
def no_script_page(browser, live):
    """A page with JavaScript off: the form must work through the server alone."""
    context = browser.new_context(base_url=live.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_table_works_without_javascript(live, no_script_page, tmp_path):
    page = no_script_page
    token, csr_id = _pbx_csr(live, tmp_path)
    login(page, "heron")
    page.goto(f"/portal/lsrs/new?csr={csr_id}")
    page.get_by_label("Show TNs containing").fill("503555000")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#partial-table tbody tr")).to_have_count(10)
    page.get_by_role("button", name="Port all shown").click()
    expect(page.locator("#pp-tally")).to_contain_text("10 port")
    page.get_by_label("Show TNs containing").fill("")
    page.get_by_role("button", name="Keep the rest").click()
    expect(page.locator("#pp-tally")).to_contain_text("590 keep")
    page.get_by_label("Disconnect " + pbx_account.tn(49)).check()
    page.get_by_role("button", name="Next TNs").click()  # the page's radios travel with it
    expect(page.locator("#pp-where")).to_contain_text("Page 2 of 12")
    nan_list = page.get_by_label(re.compile("New BTN when the BTN"))
    expect(nan_list.locator("option")).to_have_count(590)  # not the 10 ported nor the DISC
    nan_list.select_option(pbx_account.tn(10))
    page.get_by_role("button", name="Fill the form from the table").click()
    expect(page.get_by_text("The table filled PORTED NBR, MI, NAN and REMARKS")).to_be_visible()
    expect(page.get_by_label("PORTED NBR", exact=True)).to_have_value("\n".join(PORTED))
    expect(page.get_by_label("REMARKS", exact=True)).to_have_value(
        f"PARTIAL PORT; DISC {pbx_account.tn(49)}")
    order = _fill_the_rest_and_send(page, "PBX0002")
    foc = _get(live, token, f"/api/v1/lsrs/{order}")["foc"]
    assert foc["tns"] == PORTED and foc["disconnect_tns"] == [pbx_account.tn(49)]


def test_the_nan_list_offers_only_the_tns_that_stay(live, page):
    token = carrier(live, admin=False)
    csr = api(live, token, "/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"})
    login(page, "heron")
    page.goto(f"/portal/lsrs/new?csr={csr['id']}")
    nan_list = page.get_by_label(re.compile("New BTN when the BTN"))
    expect(nan_list).to_be_hidden()  # nothing marked yet: the BTN stays
    page.get_by_label("Port 5415550300").check()
    expect(nan_list).to_be_visible()
    options = nan_list.locator("option")
    expect(options).to_have_count(2)
    expect(options.nth(1)).to_have_text("5415550301")  # unmarked: it stays
    page.get_by_label("Disconnect 5415550301").check()
    expect(options).to_have_count(1)  # the placeholder alone: no TN stays
    page.get_by_label("Keep 5415550301").check()
    expect(options).to_have_count(2)


def test_cc_and_nnsp_start_with_the_partners_spid_shown_on_its_home_page(live, page):
    carrier(live, admin=False)
    live.actors.partner("MLT", "Multi Line Telecom", spids=("SW01", "ML01"), type="clec")
    live.actors.user("multi", partner="MLT")
    login(page, "heron")
    expect(page.locator("#partner-spids")).to_contain_text("B451 Blue Heron Wireless")
    page.get_by_role("link", name="New LSR").first.click()
    expect(page.get_by_label("CC", exact=True)).to_have_value("B451")
    expect(page.get_by_label("NNSP", exact=True)).to_have_value("B451")
    page.context.clear_cookies()
    login(page, "multi", PASSWORD)
    spids = page.locator("#partner-spids")
    expect(spids).to_contain_text("SW01 Summit West Communications")
    expect(spids).to_contain_text("ML01 (not in the NPAC SPID table)")
    page.get_by_role("link", name="New LSR").first.click()
    expect(page.get_by_label("CC", exact=True)).to_have_value("")  # several: none pre-chosen
    expect(page.locator("#partner-spids option")).to_have_count(2)
    expect(page.locator("#spid-note")).to_contain_text("Choose in CC (and NNSP)")
