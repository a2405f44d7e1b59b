"""TN lines pasted or uploaded: normalization and valid / invalid / duplicate per line."""
from forms.tn_lines import lines_to_show, normalize, parse_lines, read_upload, tns_of


def test_common_ways_of_writing_a_tn_are_normalized():
    assert normalize("(541) 555-0142") == "5415550142"
    assert normalize("1-541-555-0142") == "5415550142"
    assert normalize("+1 541.555.0142") == "5415550142"
    assert normalize("541 555 0142") == "5415550142"


def test_numbers_outside_the_nanp_are_not_tns():
    assert normalize("1415550142") is None  # NPA starting 1
    assert normalize("5411550142") is None  # NXX starting 1
    assert normalize("541555014") is None
    assert normalize("54155501420") is None
    assert normalize("abc") is None


def test_each_line_is_valid_invalid_or_duplicate_with_its_line_number():
    lines = parse_lines("5415550142\n\n541-555-0301\nhello\n(541) 555-0142\n")
    assert [(ln.number, ln.status) for ln in lines] == [
        (1, "valid"), (3, "valid"), (4, "invalid"), (5, "duplicate")]
    assert lines[2].tn is None and "10-digit" in lines[2].detail
    assert lines[3].tn == "5415550142" and "earlier line" in lines[3].detail


def test_csv_rows_give_their_first_cell_and_a_header_line_is_skipped():
    text = "tn,name\n5415550142,LINDA\n\"5415550301\",DENTAL\n;5415550302;x\n"
    lines = parse_lines(text)
    assert [ln.tn for ln in lines] == ["5415550142", "5415550301", "5415550302"]
    assert all(ln.status == "valid" for ln in lines)


def test_tab_separated_spreadsheet_paste_is_read():
    lines = parse_lines("5415550142\tworking\n5415550301\tworking")
    assert [ln.tn for ln in lines] == ["5415550142", "5415550301"]


def test_a_header_is_only_skipped_on_the_first_line():
    lines = parse_lines("5415550142\nTN\n")
    assert [ln.status for ln in lines] == ["valid", "invalid"]


def test_the_list_as_sent_keeps_invalid_lines_for_the_rules_engine_to_name():
    lines = parse_lines("5415550142\nnope\n5415550142")
    assert tns_of(lines) == ["5415550142", "nope", "5415550142"]


def test_uploads_in_utf8_with_bom_and_latin1_are_decoded():
    assert read_upload("\ufeff5415550142\n".encode("utf-8")) == "5415550142\n"
    assert read_upload("5415550142 café\n".encode("latin-1")).startswith("5415550142 caf")


def test_a_judged_line_keeps_its_number_and_text():
    line = parse_lines("5415550199")[0].judged("not_ours", "R201: NPAC shows B451")
    assert (line.number, line.raw, line.tn, line.status) == (1, "5415550199", "5415550199",
                                                            "not_ours")


def test_several_tns_on_one_line_are_each_read_whatever_separates_them():
    text = "5415550142\t5415550301\n5415550302,5415550303;5415550304\n5415550305 5415550306"
    lines = parse_lines(text)
    assert [ln.tn for ln in lines] == [f"541555{n}" for n in
                                       ("0142", "0301", "0302", "0303", "0304", "0305", "0306")]
    assert [ln.number for ln in lines] == [1, 1, 2, 2, 2, 3, 3]
    assert all(ln.status == "valid" for ln in lines)


def test_as_written_shows_each_value_not_the_whole_line():
    lines = parse_lines("541 555 0142, (541) 555-0301  1 541 555 0302")
    assert [(ln.raw, ln.tn) for ln in lines] == [
        ("541 555 0142", "5415550142"), ("(541) 555-0301", "5415550301"),
        ("1 541 555 0302", "5415550302")]


def test_a_mistyped_tn_beside_a_good_one_is_shown_invalid_and_notes_are_ignored():
    lines = parse_lines("5415550142 541555030 LINDA\n5415550301\tworking")
    assert [(ln.raw, ln.status) for ln in lines] == [
        ("5415550142", "valid"), ("541555030", "invalid"), ("5415550301", "valid")]


def test_a_repeat_on_the_same_line_is_a_duplicate():
    lines = parse_lines("5415550142 5415550142")
    assert [ln.status for ln in lines] == ["valid", "duplicate"]


def test_a_long_list_shows_its_problem_lines_first_then_valid_lines_up_to_the_limit():
    text = "\n".join([f"541555{i:04d}" for i in range(300)] + ["hello", "5415550001"])
    lines = parse_lines(text)
    shown = lines_to_show(lines, 100)
    assert len(shown) == 100 and [line.number for line in shown][-2:] == [301, 302]
    assert [line.status for line in shown[-2:]] == ["invalid", "duplicate"]
    assert [line.number for line in shown[:98]] == list(range(1, 99))
    assert lines_to_show(lines[:5], 100) == lines[:5]
