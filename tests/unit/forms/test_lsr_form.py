"""The LSR form: catalog labels and help, syntax checks, the body it builds, VERs."""
import base64
import io

from werkzeug.datastructures import FileStorage

from forms import lsr as lsr_forms
from forms.tn_lines import parse_lines
from validators.catalog import FIELDS

GOOD = {"ccna": "BHW", "pon": "BHW20261123A", "ver": "1", "an": "884201", "cc": "b451",
        "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-11-24", "agauth": "y",
        "init_tel": "5419990123", "eu_zip": "97703", "tns": "5415550142"}


def _form(posted, data, files=None):
    with posted(data, files):
        form = lsr_forms.LsrForm()
        lsr_forms.setup(form, ["BHW", "NWT"])
        ok = form.validate()
        return form, ok


def test_every_catalog_field_has_its_obf_label_and_help(form_app):
    with form_app.test_request_context():
        form = lsr_forms.LsrForm()
        for key, spec in FIELDS.items():
            if key == "loa" or key == "sup":
                continue
            field = form[lsr_forms.name_of(key)]
            assert spec.meaning in field.description
            assert spec.format in field.description
        assert form.pon.label.text == "PON" and form.eu_zip.label.text == "ZIP"


def test_a_well_formed_lsr_passes_and_builds_the_api_body(posted):
    form, ok = _form(posted, GOOD)
    assert ok, form.errors
    body = lsr_forms.to_body(form, ["5415550142"])
    assert body == {"ccna": "BHW", "pon": "BHW20261123A", "ver": "1", "an": "884201",
                    "cc": "B451", "npdi": "C", "reqtyp": "CB", "act": "V",
                    "ddd": "2026-11-24", "agauth": "Y", "init_tel": "5419990123",
                    "eu": {"zip": "97703"}, "tns": ["5415550142"]}


def test_always_required_fields_left_blank_are_named_with_r601(posted):
    form, ok = _form(posted, {**GOOD, "pon": " ", "cc": "", "agauth": ""})
    assert not ok
    assert {"pon", "cc", "agauth"} <= set(form.errors)
    assert "R601" in form.errors["pon"][0]


def test_values_out_of_their_catalog_format_are_named_with_r602(posted):
    form, ok = _form(posted, {**GOOD, "pon": "BAD-PON!", "atn": "12345", "eu_zip": "9770",
                              "ddd": "2026-02-30"})
    assert not ok
    for name in ("pon", "atn", "eu_zip", "ddd"):
        assert "R602" in form.errors[name][0], name


def test_a_ccna_the_user_may_not_send_for_is_refused(posted):
    form, ok = _form(posted, {**GOOD, "ccna": "XYZ"})
    assert not ok and "ccna" in form.errors


def test_optional_fields_are_left_out_of_the_body_and_flags_become_y(posted):
    form, ok = _form(posted, {**GOOD, "exp": "y", "nnsp": "", "remarks": "  "})
    body = lsr_forms.to_body(form, ["5415550142"])
    assert ok and body["exp"] == "Y" and "nnsp" not in body and "remarks" not in body


def test_an_uploaded_loa_goes_into_the_body_as_base64(posted):
    pdf = b"%PDF-1.4 loa"
    files = {"loa": FileStorage(io.BytesIO(pdf), filename="loa.pdf")}
    with posted(GOOD, files):
        form = lsr_forms.LsrForm()
        lsr_forms.setup(form, ["BHW"])
        assert form.validate(), form.errors
        loa = lsr_forms.loa_body(form.loa.data)
    assert loa == {"filename": "loa.pdf", "content_base64": base64.b64encode(pdf).decode()}
    assert lsr_forms.loa_body(None) is None


def test_an_loa_of_the_wrong_type_is_refused(posted):
    files = {"loa": FileStorage(io.BytesIO(b"MZ"), filename="loa.exe")}
    form, ok = _form(posted, GOOD, files)
    assert not ok and "PDF, PNG or JPEG" in form.errors["loa"][0]


def test_a_stored_body_fills_the_form_back(form_app):
    payload = {"ccna": "BHW", "pon": "P1", "agauth": "Y", "exp": "Y", "mi": "A", "passcode": "7713",
               "eu": {"zip": "97701", "name": "HIGH DESERT DENTAL PC"},
               "tns": ["5415550300", "5415550301"], "loa": {"filename": "x.pdf"}}
    data = lsr_forms.data_from(payload)
    assert data["agauth"] is True and data["exp"] is True and data["mi"] == "A"
    assert data["eu_zip"] == "97701" and data["eu_name"] == "HIGH DESERT DENTAL PC"
    assert data["tns"] == "5415550300\n5415550301" and "loa" not in data
    assert "passcode" not in data  # a passcode is never shown again once sent


def test_the_next_ver_follows_the_highest_number_used():
    assert lsr_forms.next_ver([]) == "1"
    assert lsr_forms.next_ver(["1", "2"]) == "3"
    assert lsr_forms.next_ver(["1", "A", "7"]) == "8"
    assert lsr_forms.next_ver([str(n) for n in range(1, 100)]) == "A"
    assert lsr_forms.next_ver([str(n) for n in range(1, 100)] + ["A"]) == "A0"


def test_tn_lines_that_block_sending_are_explained():
    assert lsr_forms.tn_problems([], 500) == ["List at least one TN to port."]
    lines = parse_lines("5415550142\nbad\n5415550142")
    problems = lsr_forms.tn_problems(lines, 500)
    assert any("Line 2" in p and "R602" in p for p in problems)
    assert any("Line 3" in p and "R604" in p for p in problems)
    many = parse_lines("\n".join(f"54155{n:05d}" for n in range(3)))
    assert any("R603" in p for p in lsr_forms.tn_problems(many, 2))
    assert lsr_forms.tn_problems(parse_lines("5415550142"), 500) == []
