"""The partial-port table: port / keep / disconnect become TNs, MI, NAN and REMARKS (§4.6)."""
from werkzeug.datastructures import MultiDict

from forms.partial import (
    choices_from,
    clean_remarks,
    current_choices,
    default_choices,
    plan,
    table_rows,
)

WORKING = ["5415550300", "5415550301", "5415550303"]
BTN = "5415550300"


def test_porting_every_working_tn_is_a_full_port_without_mi_or_nan():
    fill = plan(WORKING, BTN, {tn: "port" for tn in WORKING}, None, "")
    assert (fill.tns, fill.mi, fill.nan, fill.remarks, fill.partial) == (WORKING, "", "", "",
                                                                         False)
    assert fill.errors == []


def test_keeping_a_tn_marks_a_partial_port_and_the_leaving_btn_needs_a_new_one():
    choices = {"5415550300": "port", "5415550301": "keep", "5415550303": "port"}
    fill = plan(WORKING, BTN, choices, None, "")
    assert fill.partial and fill.mi == "A"
    assert fill.errors and "new BTN" in fill.errors[0]
    fill = plan(WORKING, BTN, choices, "5415550301", "")
    assert fill.errors == [] and fill.nan == "5415550301"
    assert fill.tns == ["5415550300", "5415550303"] and fill.remarks == "PARTIAL PORT"


def test_disconnected_tns_go_into_remarks_after_disc_and_cannot_be_the_new_btn():
    choices = {"5415550300": "port", "5415550301": "keep", "5415550303": "disconnect"}
    fill = plan(WORKING, BTN, choices, "5415550303", "call Sam")
    assert any("new BTN" in e for e in fill.errors)
    fill = plan(WORKING, BTN, choices, "5415550301", "call Sam")
    assert fill.remarks == "PARTIAL PORT; DISC 5415550303; call Sam"


def test_the_btn_staying_needs_no_nan():
    fill = plan(WORKING, BTN, {"5415550301": "port"}, None, "")
    assert fill.errors == [] and fill.nan == "" and fill.mi == "A"


def test_a_leaving_btn_with_nothing_kept_is_refused_with_a_way_out():
    fill = plan(WORKING, BTN, {"5415550300": "port", "5415550301": "disconnect",
                               "5415550303": "disconnect"}, None, "")
    assert fill.errors and "port every TN" in fill.errors[0]


def test_nothing_to_port_is_refused():
    assert plan(WORKING, BTN, {}, None, "").errors == ["Mark at least one TN to port."]


def test_remarks_written_by_the_table_are_replaced_not_repeated():
    assert clean_remarks("PARTIAL PORT; DISC 5415550303, 5415550304; call Sam") == "call Sam"
    fill = plan(WORKING, BTN, {"5415550301": "port"}, None, "PARTIAL PORT; DISC 5415550303")
    assert fill.remarks == "PARTIAL PORT"


def test_remarks_longer_than_500_characters_are_refused():
    fill = plan(WORKING, BTN, {"5415550301": "port"}, None, "x" * 495)
    assert any("at most 500" in e for e in fill.errors) and len(fill.remarks) == 500


def test_choices_are_read_from_the_posted_radios_and_bad_values_ignored():
    data = MultiDict({"pp-5415550300": "port", "pp-5415550301": "steal", "other": "keep"})
    assert choices_from(data, WORKING) == {"5415550300": "port"}


def test_the_table_starts_from_the_lsr_as_it_stands_and_leaves_the_others_unmarked():
    csr_tns = [{"tn": t, "status": "working"} for t in WORKING] + [
        {"tn": "5415550302", "status": "disconnected"}]
    choices = current_choices(csr_tns, ["5415550300"], "DISC 5415550303")
    assert choices == {"5415550300": "port", "5415550303": "disconnect"}  # 0301: not yet marked
    rows = table_rows(csr_tns, BTN, choices)
    assert [(r.tn, r.choice, r.working) for r in rows] == [
        ("5415550300", "port", True), ("5415550301", None, True),
        ("5415550303", "disconnect", True), ("5415550302", None, False)]
    assert rows[0].is_btn and not rows[1].is_btn
    assert default_choices(["a", "b", "c"], ["a"], ["b"]) == {"a": "port", "b": "disconnect"}

