"""The LSR form: TN lines, the dry run, sending, fixing a reject, the partial-port table."""
import io
import re

import sqlalchemy as sa

from gateway.models import Lsr, LsrVersion

SIMPLE = {"ccna": "BHW", "pon": "BHW20261123A", "ver": "1", "an": "884201", "cc": "B451",
          "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-24", "agauth": "y",
          "passcode": "7713", "init_tel": "5419990123", "eu_zip": "97703",
          "tns": "5415550142"}


def value_of(page: str, name: str) -> str | None:
    """The value of the named input as rendered."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def text_of(page: str, name: str) -> str:
    """The content of the named textarea as rendered."""
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page,
                     re.S).group(1).strip()


def _count(store, model=Lsr):
    return store.scalar(sa.select(sa.func.count()).select_from(model))


def test_each_tn_line_is_judged_valid_invalid_duplicate_or_not_ours(web):
    text = "541-555-0142\nhello\n5415550142\n5415550199\n8005550100\n5415559999\n5415550302"
    lines = web.post("/portal/lsrs/check-tns", {"tns": text}).get_json()["lines"]
    assert [(ln["number"], ln["status"]) for ln in lines] == [
        (1, "valid"), (2, "invalid"), (3, "duplicate"), (4, "not_ours"), (5, "not_ours"),
        (6, "not_ours"), (7, "not_portable")]
    assert "R201" in lines[3]["detail"] and "B451" in lines[3]["detail"]
    assert "R207" in lines[4]["detail"] and "R204" in lines[5]["detail"]
    assert "R203" in lines[6]["detail"] and "disconnected" in lines[6]["detail"]


def test_the_form_shows_the_lines_without_javascript(web):
    page = web.post("/portal/lsrs/new", {**SIMPLE, "tns": "5415550142\n5415550142\nx",
                                         "action": "lines"}).get_data(as_text=True)
    assert 'class="line-valid"' in page and 'class="line-duplicate"' in page
    assert 'class="line-invalid"' in page and "1 duplicate" in page


def test_an_uploaded_tn_file_replaces_the_pasted_list(web):
    upload = (io.BytesIO(b"tn\n5415550300\n5415550301\n"), "tns.csv")
    page = web.post("/portal/lsrs/new", {**SIMPLE, "tns": "5415550142", "action": "lines",
                                         "tns_file": upload},
                    content_type="multipart/form-data").get_data(as_text=True)
    assert text_of(page, "tns") == "tn\n5415550300\n5415550301" and "2 valid" in page


def test_a_tn_file_of_another_type_is_refused(web, store):
    upload = (io.BytesIO(b"5415550142"), "tns.xlsx")
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "action": "send", "tns_file": upload},
                    content_type="multipart/form-data")
    assert resp.status_code == 422 and b".csv or .txt" in resp.data
    assert _count(store) == 0


def test_check_before_sending_puts_findings_next_to_their_fields_and_records_nothing(
        web, store):
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "eu_zip": "97700", "passcode": "",
                                         "action": "check"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "the carrier would reject this LSR" in page
    zip_field = page[page.index('id="eu_zip-field"'):]
    assert zip_field.index("R305") < zip_field.index("</div>\n", zip_field.index("R305")) + 10
    assert "Use the service ZIP from the CSR" in zip_field[:2000]
    assert 'href="#eu_zip-field"' in page and 'href="#passcode-field"' in page
    assert _count(store) == 0 and _count(store, LsrVersion) == 0


def test_check_before_sending_says_when_nothing_is_wrong(web, store):
    page = web.post("/portal/lsrs/new", {**SIMPLE, "action": "check"}).get_data(as_text=True)
    assert "No problems found" in page and "Expected FOC due date 2026-11-24" in page
    assert _count(store) == 0


def test_a_rejected_lsr_is_fixed_through_a_prefilled_new_ver_and_gets_its_foc(web, store):
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "eu_zip": "97700", "action": "send"})
    assert resp.status_code == 302
    order = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Reject notice" in order and "R305" in order and "EU ZIP" in order
    assert "ZIP code does not match the service address" in order
    assert "Use the service ZIP from the CSR" in order
    lsr = store.scalar(sa.select(Lsr))
    fix = web.get(f"/portal/lsrs/new?from={lsr.id}").get_data(as_text=True)
    assert value_of(fix, "ver") == "2" and "R305" in fix
    assert value_of(fix, "pon") == "BHW20261123A" and value_of(fix, "eu_zip") == "97700"
    assert value_of(fix, "passcode") == "" and "Type the PASSCODE again" in fix
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "ver": "2", "action": "send"})
    store.expire_all()
    lsr = store.scalar(sa.select(Lsr))
    assert resp.headers["Location"].endswith(f"/portal/orders/{lsr.id}")
    assert lsr.status == "foc" and lsr.due_date.isoformat() == "2026-11-24"
    assert [v.status for v in lsr.versions] == ["rejected", "foc"] and lsr.channel == "portal"
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Firm Order Confirmation" in page and "2026-11-24" in page


def test_syntax_errors_block_sending_and_record_nothing(web, store):
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "pon": "", "ddd": "24/11/2026",
                                         "agauth": "", "tns": "5415550142\n5415550142",
                                         "action": "send"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "There is a problem" in page
    assert 'href="#pon"' in page and 'href="#ddd"' in page and 'href="#agauth"' in page
    assert "R604" in page
    assert _count(store) == 0


def test_more_than_500_tns_cannot_be_sent(web, store):
    tns = "\n".join(f"54155{n:05d}" for n in range(501))
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "tns": tns, "action": "send"})
    assert resp.status_code == 422 and b"at most 500 (R603)" in resp.data
    assert _count(store) == 0


def test_a_new_lsr_on_an_open_pon_is_refused_r508_and_records_no_version(web, store):
    assert web.post("/portal/lsrs/new", {**SIMPLE, "action": "send"}).status_code == 302
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "ver": "2", "action": "send"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "already has an open order" in page and "R508" in page
    assert _count(store, LsrVersion) == 1


def test_the_same_lsr_sent_twice_shows_the_existing_order(web, store):
    web.post("/portal/lsrs/new", {**SIMPLE, "action": "send"})
    resp = web.post("/portal/lsrs/new", {**SIMPLE, "action": "send"}, follow_redirects=True)
    assert b"was received before with the same content" in resp.data
    assert _count(store, LsrVersion) == 1


def test_an_lsr_started_from_a_csr_is_prefilled_and_offers_the_partial_port_table(web, heron):
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"}).get_json()
    page = web.get(f"/portal/lsrs/new?csr={csr['id']}").get_data(as_text=True)
    assert 'value="884377"' in page and 'value="HIGH DESERT DENTAL PC"' in page
    assert 'value="OREGON"' in page and 'id="partial-table"' in page
    assert 'name="pp-5415550300"' in page and 'name="pp-5415550302"' not in page
    assert "not working: cannot port" in page


def test_the_partial_port_table_fills_mi_nan_and_remarks_and_the_port_gets_its_foc(
        web, heron, store):
    csr = heron.post("/api/v1/csr-requests", {"tn": "5415550300", "agauth": "Y"}).get_json()
    form = {**SIMPLE, "pon": "BHW20261123B", "an": "884377", "atn": "5415550300",
            "passcode": "", "ddd": "2026-12-01", "init": "Sam Ortiz",
            "eu_name": "HIGH DESERT DENTAL PC", "eu_sano": "61", "eu_sasd": "NW",
            "eu_sasn": "OREGON", "eu_sath": "AVE", "eu_ld1": "STE", "eu_lv1": "4",
            "eu_city": "BEND", "eu_state": "OR", "eu_zip": "97701", "csr_id": str(csr["id"]),
            "tns": "5415550300\n5415550301", "remarks": "call Sam"}
    table = {"pp-5415550300": "port", "pp-5415550301": "keep"}
    page = web.post("/portal/lsrs/new", {**form, **table, "action": "table"}
                    ).get_data(as_text=True)
    assert "choose the new BTN" in page  # the BTN leaves: a new one is needed
    page = web.post("/portal/lsrs/new", {**form, **table, "new_btn": "5415550301",
                                         "action": "table"}).get_data(as_text=True)
    assert "The table filled PORTED NBR, MI, NAN and REMARKS" in page
    assert text_of(page, "tns") == "5415550300"
    assert '<option selected value="A">' in page and value_of(page, "nan") == "5415550301"
    assert text_of(page, "remarks") == "PARTIAL PORT; call Sam"
    filled = {**form, "tns": "5415550300", "mi": "A", "nan": "5415550301",
              "remarks": "PARTIAL PORT; call Sam", "action": "send"}
    resp = web.post("/portal/lsrs/new", filled)
    assert resp.status_code == 302
    lsr = store.scalar(sa.select(Lsr).where(Lsr.pon == "BHW20261123B"))
    assert lsr.status == "foc", lsr.rejects
    assert lsr.foc_tns == ["5415550300"] and lsr.new_btn == "5415550301"
    assert "New BTN" in web.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_table_needs_a_csr_on_file(web):
    page = web.post("/portal/lsrs/new", {**SIMPLE, "an": "884377", "tns": "5415550300",
                                         "action": "table"}).get_data(as_text=True)
    assert "No CSR on file for this account" in page
