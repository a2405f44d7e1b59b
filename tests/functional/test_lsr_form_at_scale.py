"""The LSR form at a partner's everyday volume (issue 15): a 600-TN account's page stays small,
its table's bulk choices work through the server, NAN offers only the TNs that stay, and CC /
NNSP start from the partner's SPIDs, which its home page shows."""
import re

import pytest

from tests import pbx_account
from tests.conftest import Web
from tests.functional.test_portal_lsr import SIMPLE, text_of, value_of

PAGE_LIMIT = 150_000  # bytes


@pytest.fixture
def pbx_csr(web, heron, cli, tmp_path):
    """The 600-TN account and Blue Heron's CSR of it; the CSR's id."""
    pbx_account.load(cli, tmp_path)
    return heron.post("/api/v1/csr-requests", {"tn": pbx_account.BTN,
                                               "agauth": "Y"}).get_json()["id"]


def _hidden(page: str, name: str) -> list[str]:
    return (value_of(page, name) or "").split()


def _nan_options(page: str) -> list[str]:
    select = re.search(r'<select id="new_btn".*?</select>', page, re.S).group(0)
    return re.findall(r"<option(?: selected)?>(\d{10})</option>", select)


def test_a_600_tn_accounts_new_lsr_page_stays_under_150_kb(web, pbx_csr):
    resp = web.get(f"/portal/lsrs/new?csr={pbx_csr}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and len(resp.data) < PAGE_LIMIT, len(resp.data)
    assert "mark the ones to port in the partial-port table" in page
    assert page.count('<tr data-tn="') == 50 and "Page 1 of 12 · 600 TNs" in page
    assert '"tns": ["5035550000", "5035550001"' in page  # the script's data: every TN
    form = {"csr_id": str(pbx_csr), "an": pbx_account.ACCOUNT}
    resp = web.post("/portal/lsrs/new", {**form, "action": "pp_port_all"})
    page = resp.get_data(as_text=True)
    assert len(resp.data) < PAGE_LIMIT and len(_hidden(page, "pp_port")) == 600
    every = "\n".join(pbx_account.tn(i) for i in range(600))
    for action in ("lines", "check", "send"):  # 600 TN lines: the form lists 100 of them
        resp = web.post("/portal/lsrs/new", {**form, "tns": every, "action": action})
        assert len(resp.data) < PAGE_LIMIT, (action, len(resp.data))
        page = resp.get_data(as_text=True)
        assert "100 of 600 lines listed" in page and ("R603" in page) == (action != "lines")


def test_port_all_and_keep_the_rest_work_through_the_server_and_fill_the_lsr(web, pbx_csr):
    form = {"csr_id": str(pbx_csr), "an": pbx_account.ACCOUNT, "remarks": "call Sam"}
    page = web.post("/portal/lsrs/new", {**form, "pp_filter": "503555000",
                                         "action": "pp_port_all"}).get_data(as_text=True)
    ported = [pbx_account.tn(i) for i in range(10)]
    assert _hidden(page, "pp_port") == ported and "Port all shown" in page
    state = {"pp_port": " ".join(ported), "pp_disc": pbx_account.tn(599)}
    page = web.post("/portal/lsrs/new", {**form, **state, "action": "pp_keep_rest"}
                    ).get_data(as_text=True)
    assert len(_hidden(page, "pp_keep")) == 589 and _hidden(page, "pp_disc") == [
        pbx_account.tn(599)]
    assert "0 not yet marked" in page
    assert _nan_options(page) == _hidden(page, "pp_keep")  # the BTN leaves: the staying TNs
    page = web.post("/portal/lsrs/new", {**form, **state, "pp_keep": value_of(page, "pp_keep"),
                                         "new_btn": pbx_account.tn(10), "action": "table"}
                    ).get_data(as_text=True)
    assert "The table filled PORTED NBR, MI, NAN and REMARKS" in page
    assert text_of(page, "tns") == "\n".join(ported) and value_of(page, "nan") == \
        pbx_account.tn(10)
    assert text_of(page, "remarks") == f"PARTIAL PORT; DISC {pbx_account.tn(599)}; call Sam"


def test_a_page_of_the_table_keeps_the_choices_made_on_the_others(web, pbx_csr):
    form = {"csr_id": str(pbx_csr), "an": pbx_account.ACCOUNT}
    page = web.post("/portal/lsrs/new", {**form, "pp-5035550001": "disconnect",
                                         "pp_port": pbx_account.BTN, "pp_page": "12",
                                         "action": "lines"}).get_data(as_text=True)
    assert "Page 12 of 12" in page and 'data-tn="5035550599"' in page
    assert _hidden(page, "pp_disc") == ["5035550001"] and _hidden(page, "pp_port") == [
        pbx_account.BTN]
    assert value_of(page, "pp_at") == "12"


def test_the_nan_list_offers_only_the_tns_that_stay(web, heron, cli, tmp_path):
    pbx_account.load(cli, tmp_path, n_tns=5)
    csr = heron.post("/api/v1/csr-requests", {"tn": pbx_account.BTN, "agauth": "Y"}).get_json()
    tn = pbx_account.tn
    choices = {f"pp-{tn(0)}": "port", f"pp-{tn(1)}": "disconnect", f"pp-{tn(2)}": "keep",
               f"pp-{tn(4)}": "port"}
    page = web.post("/portal/lsrs/new", {"csr_id": str(csr["id"]), "an": pbx_account.ACCOUNT,
                                         **choices, "action": "lines"}).get_data(as_text=True)
    assert _nan_options(page) == [tn(2), tn(3)]  # kept, and not yet marked
    assert 'id="new-btn-field" hidden' not in page
    choices[f"pp-{tn(0)}"] = "keep"  # the BTN stays: no new BTN to choose
    page = web.post("/portal/lsrs/new", {"csr_id": str(csr["id"]), "an": pbx_account.ACCOUNT,
                                         **choices, "action": "lines"}).get_data(as_text=True)
    assert _nan_options(page) == [] and 'id="new-btn-field" hidden' in page


def test_cc_and_nnsp_start_with_the_partners_only_spid(web):
    page = web.get("/portal/lsrs/new").get_data(as_text=True)
    assert value_of(page, "cc") == "B451" and value_of(page, "nnsp") == "B451"
    assert '<datalist id="partner-spids"><option value="B451">Blue Heron Wireless' in page
    assert "Your SPID: <strong" in page
    home = web.get("/portal/").get_data(as_text=True)
    assert re.search(r'id="partner-spids">Your SPID .*B451</strong> Blue Heron Wireless', home,
                     re.S)


def test_a_fixed_order_keeps_the_cc_it_was_sent_with(web, store):
    from gateway.models import Lsr

    web.post("/portal/lsrs/new", {**SIMPLE, "cc": "SW01", "eu_zip": "97700", "action": "send"})
    lsr = store.query(Lsr).one()
    page = web.get(f"/portal/lsrs/new?from={lsr.id}").get_data(as_text=True)
    assert value_of(page, "cc") == "SW01" and value_of(page, "nnsp") == ""


def test_several_spids_are_offered_and_none_is_chosen_for_the_partner(client, examples,
                                                                      actors):
    actors.partner("MLT", "Multi Line Telecom", spids=("SW01", "ML01"), type="clec")
    actors.user("multi", partner="MLT")
    web = Web(client)
    web.login("multi")
    page = web.get("/portal/lsrs/new").get_data(as_text=True)
    assert value_of(page, "cc") == "" and value_of(page, "nnsp") == ""
    assert re.findall(r'<datalist id="partner-spids">(.*?)</datalist>', page) == [
        '<option value="ML01">ML01</option><option value="SW01">Summit West Communications'
        '</option>']
    home = web.get("/portal/").get_data(as_text=True)
    assert "ML01</strong> (not in the NPAC SPID table)" in home
    assert "SW01</strong> Summit West Communications" in home


def test_an_agent_is_offered_the_spid_of_the_carrier_it_sends_lsrs_for(client, heron, actors,
                                                                        cli):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    web = Web(client)
    web.login("ace")
    home = web.get("/portal/").get_data(as_text=True)
    assert "An agent has no SPID of its own" in home
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE", "--privilege",
               "lsr")[0] == 0
    page = web.get("/portal/lsrs/new").get_data(as_text=True)
    assert value_of(page, "cc") == "B451" and "B451</strong> Blue Heron Wireless for BHW" in page
