"""The staff console's forms: syntax at the edge, request bodies built as the API takes them."""
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from forms.staff import (
    ManualCsrForm,
    ManualLsrForm,
    PartnerProfileForm,
    RejectDecisionForm,
    admin_entries,
    split_tns,
)


@pytest.fixture
def request_ctx():
    from gateway import create_app
    from tests.conftest import _config

    app = create_app(_config("sqlite://"))
    with app.test_request_context(method="POST"):
        yield app
    app.extensions["portgate_db"].engine.dispose()


def test_split_tns_normalizes_punctuation_and_keeps_what_is_not_a_number():
    text = "(541) 555-0142\n1-541-555-0300, 541.555.0301;\n\nnot-a-tn\n"
    assert split_tns(text) == ["5415550142", "5415550300", "5415550301", "not-a-tn"]


def test_split_tns_of_blank_input_is_empty():
    assert split_tns("") == [] and split_tns(None) == [] and split_tns(" \n,;") == []


def _lsr_form(**values):
    data = MultiDict({"partner": "BHW", "channel": "fax", "received_at": "2026-11-23T09:00",
                      "received_zone": "America/Denver", **values})
    form = ManualLsrForm(formdata=data, meta={"csrf": False})
    form.setup([("BHW", "Blue Heron Wireless (BHW)")], ["America/Denver"], "America/Denver")
    return form


def test_manual_lsr_form_builds_the_api_body_with_eu_and_tns(request_ctx):
    form = _lsr_form(pon="MT1", ver="1", reqtyp="cb", act="v", eu_zip="59715", eu_name="Big Sky",
                     tns="406-555-0100", agauth="y", passcode="")
    assert form.validate(), form.errors
    body = form.lsr_body()
    assert body == {"pon": "MT1", "ver": "1", "reqtyp": "CB", "act": "V", "agauth": "Y",
                    "eu": {"zip": "59715", "name": "Big Sky"}, "tns": ["4065550100"]}


def test_manual_lsr_form_does_not_judge_field_formats_the_rules_engine_does(request_ctx):
    form = _lsr_form(pon="bad pon!", ddd="tomorrow", reqtyp="AB", tns="12")
    assert form.validate(), form.errors
    assert form.lsr_body()["ddd"] == "tomorrow" and form.lsr_body()["tns"] == ["12"]


def test_manual_lsr_form_needs_partner_channel_and_received_time(request_ctx):
    form = _lsr_form(partner="", received_at="", channel="carrier-pigeon")
    assert not form.validate()
    assert {"partner", "received_at", "channel"} <= set(form.errors)


def test_received_time_is_read_in_the_chosen_zone(request_ctx):
    form = _lsr_form()
    assert form.validate()
    assert form.received_instant().isoformat() == "2026-11-23T09:00:00-07:00"


def test_manual_lsr_form_turns_an_uploaded_loa_into_the_api_object(request_ctx):
    loa = FileStorage(BytesIO(b"%PDF-1.4 test"), filename="loa.pdf", content_type="application/pdf")
    data = MultiDict({"partner": "BHW", "channel": "email", "received_at": "2026-11-23T09:00",
                      "received_zone": "America/Denver", "tns": "4065550100", "loa": loa})
    form = ManualLsrForm(formdata=data, meta={"csrf": False})
    form.setup([("BHW", "BHW")], ["America/Denver"], "America/Denver")
    assert form.validate(), form.errors
    assert form.lsr_body()["loa"] == {"filename": "loa.pdf",
                                      "content_base64": "JVBERi0xLjQgdGVzdA=="}


def test_manual_csr_form_maps_the_attestation_checkbox_to_agauth(request_ctx):
    data = MultiDict({"partner": "BHW", "channel": "fax", "received_at": "2026-11-23T09:00",
                      "received_zone": "America/Denver", "tn": "(406) 555-0100"})
    form = ManualCsrForm(formdata=data, meta={"csrf": False})
    form.setup([("BHW", "BHW")], ["America/Denver"], "America/Denver")
    assert form.validate(), form.errors
    assert form.csr_body("BHW") == {"tn": "4065550100", "agauth": "N", "ccna": "BHW"}
    data["agauth"], data["an"] = "y", "900001"
    form = ManualCsrForm(formdata=data, meta={"csrf": False})
    form.setup([("BHW", "BHW")], ["America/Denver"], "America/Denver")
    assert form.validate() and form.csr_body("BHW")["agauth"] == "Y"
    assert form.csr_body("BHW")["an"] == "900001"


def test_reject_form_needs_a_code_and_remarks_with_r901(request_ctx):
    form = RejectDecisionForm(formdata=MultiDict({"codes": "R901"}), meta={"csrf": False})
    form.setup()
    assert not form.validate() and "remarks" in form.errors
    form = RejectDecisionForm(formdata=MultiDict(), meta={"csrf": False})
    form.setup()
    assert not form.validate() and "codes" in form.errors
    form = RejectDecisionForm(formdata=MultiDict([("codes", "R305"), ("codes", "R901"),
                                                  ("remarks", "ZIP on the fax is 97703")]),
                              meta={"csrf": False})
    form.setup()
    assert form.validate() and form.codes.data == ["R305", "R901"]
    first = form.codes.choices[0]
    assert (getattr(first, "value", None) or first[0]) == "R901"  # the staff code comes first


def test_reject_form_refuses_a_code_outside_the_catalog(request_ctx):
    form = RejectDecisionForm(formdata=MultiDict({"codes": "R999"}), meta={"csrf": False})
    form.setup()
    assert not form.validate() and "codes" in form.errors


def _profile_form(**values):
    data = MultiDict({"name": "Juniper Mobile", "ccna": "JUN", "type": "wireless",
                      "spids": "j123, J124", "ocn": "1234", "street": "1 Main St",
                      "city": "Boise", "state": "ID", "zip": "83702", "received_on": "2026-11-23",
                      "admin1_name": "Ana Ortiz", "admin1_username": "ana.jun",
                      "admin1_email": "ana@juniper.example", "admin1_phone": "(208) 555-0101",
                      **values})
    form = PartnerProfileForm(formdata=data, meta={"csrf": False})
    form.setup(("wireless", "agent"))
    return form


def test_partner_profile_form_reads_spids_and_administrators(request_ctx):
    form = _profile_form()
    assert form.validate(), form.errors
    assert form.spid_list() == ["J123", "J124"]
    assert admin_entries(form) == [{"name": "Ana Ortiz", "username": "ana.jun",
                                    "email": "ana@juniper.example", "phone": "2085550101"}]


def test_a_half_filled_second_administrator_is_an_error(request_ctx):
    form = _profile_form(admin2_name="Bo Li")
    assert form.validate()
    assert len(admin_entries(form)) == 2
    assert {"admin2_username", "admin2_email", "admin2_phone"} <= set(form.errors)


def test_partner_profile_form_requires_company_address_and_first_administrator(request_ctx):
    form = _profile_form(name="", street="", admin1_email="", ccna="TOOLONG")
    assert not form.validate()
    assert {"name", "street", "admin1_email", "ccna"} <= set(form.errors)
