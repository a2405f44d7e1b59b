"""Messages that used to mislead: a Fix it link that cannot work, a self-contradicting R201."""
import json

from tests.conftest import EXAMPLES

MT_BODY = {"ccna": "BHW", "pon": "MT9", "ver": "1", "an": "900001", "cc": "B451", "npdi": "C",
           "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "agauth": "Y",
           "init_tel": "5419990123", "eu": {"zip": "59715"}, "tns": ["4065550100"]}


def test_an_r701_reject_offers_the_manual_process_not_a_fix_it_link(web, heron, montana):
    order = heron.post("/api/v1/lsrs", MT_BODY).get_json()
    assert [r["code"] for r in order["rejects"]] == ["R701"]
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert "R701" in page and "Montana Desk" in page
    assert "Fix it" not in page and "a new VER cannot fix this" in page
    assert "Fix it" not in web.get("/portal/").get_data(as_text=True)


def test_other_rejects_keep_their_fix_it_link(web, heron):
    body = {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), "eu": {"zip": "97700"}}
    order = heron.post("/api/v1/lsrs", body).get_json()
    page = web.get(f"/portal/orders/{order['id']}").get_data(as_text=True)
    assert "R305" in page and "Fix it" in page


def test_r201_for_a_tn_whose_npa_nxx_npac_does_not_know_says_only_that(heron):
    body = {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()),
            "tns": ["9075550100"]}
    rejects = heron.post("/api/v1/lsrs", body).get_json()["rejects"]
    r201 = next(r for r in rejects if r["code"] == "R201")
    assert "NPAC has no provider for NPA-NXX 907555" in r201["message"]
    assert "shows another SPID" not in r201["message"]


def test_an_npdi_of_a_is_explained_with_the_letters_expected(heron):
    body = {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), "npdi": "A"}
    rejects = heron.post("/api/v1/lsrs", body).get_json()["rejects"]
    message = next(r["message"] for r in rejects if r["field"] == "npdi")
    assert "not 1 letter" not in message and "C, D, G, H" in message
