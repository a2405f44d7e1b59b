"""The partial-port table at a PBX account's size (issue 15): one page of rows, a TN filter,
every choice carried in three hidden lists, and "port all" / "keep the rest"."""
from werkzeug.datastructures import MultiDict

from forms.partial_table import KEEP_REST, PORT_ALL, build, bulk, matching, posted_choices

TNS = [f"503555{i:04d}" for i in range(600)]
BTN = TNS[0]
CSR_TNS = [{"tn": tn, "status": "working"} for tn in TNS] + [
    {"tn": "5035559999", "status": "disconnected"}]


def test_a_600_tn_table_shows_one_page_of_50_rows_and_the_page_asked_for():
    view = build(CSR_TNS, BTN, [], "")
    assert [r.tn for r in view.rows] == TNS[:50] and (view.page, view.pages) == (1, 13)
    view = build(CSR_TNS, BTN, [], "", MultiDict({"pp_page": "13"}))
    assert [r.tn for r in view.rows] == ["5035559999"] and not view.rows[0].working
    assert build(CSR_TNS, BTN, [], "", MultiDict({"pp_at": "99"})).page == 13  # clamped
    assert build(CSR_TNS, BTN, [], "", MultiDict({"pp_page": "x"})).page == 1
    assert view.tns == TNS + ["5035559999"] and view.not_working == {"5035559999": "disconnected"}


def test_the_filter_keeps_the_tns_holding_its_digits():
    assert matching(TNS, "(503) 555-001") == TNS[10:20]
    assert matching(TNS, "") == TNS
    view = build(CSR_TNS, BTN, [], "", MultiDict({"pp_filter": "503555059"}))
    assert [r.tn for r in view.rows] == TNS[590:600] and (view.shown, view.pages) == (10, 1)


def test_the_hidden_lists_carry_the_choices_of_rows_not_shown_and_the_radios_win():
    data = MultiDict({"pp_port": f"{TNS[0]} {TNS[1]} 0000000000", "pp_keep": TNS[2],
                      "pp_disc": TNS[3], f"pp-{TNS[1]}": "keep"})
    assert posted_choices(data, TNS) == {TNS[0]: "port", TNS[1]: "keep", TNS[2]: "keep",
                                         TNS[3]: "disconnect"}  # unknown TNs ignored


def test_port_all_marks_every_working_tn_shown_and_keep_the_rest_only_the_unmarked():
    picked = {TNS[5]: "disconnect"}
    ported = bulk(PORT_ALL, picked, TNS, TNS[0:10] + ["5035559999"])
    assert sorted(ported) == TNS[0:10] and ported[TNS[5]] == "port"  # the one not working: no
    kept = bulk(KEEP_REST, {TNS[0]: "port", TNS[1]: "disconnect"}, TNS, [])
    assert kept[TNS[0]] == "port" and kept[TNS[1]] == "disconnect"
    assert [kept[tn] for tn in TNS[2:]] == ["keep"] * 598
    assert bulk("lines", picked, TNS, TNS) == picked


def test_a_bulk_action_posted_shows_in_the_lists_and_the_counts():
    data = MultiDict({"action": PORT_ALL, "pp_filter": "50355500"})  # 0000-0099
    view = build(CSR_TNS, BTN, [], "", data)
    assert view.lists["pp_port"].split() == TNS[:100] and view.lists["pp_keep"] == ""
    assert view.counts == {"port": 100, "keep": 0, "disconnect": 0, "unchosen": 500}
    data = MultiDict({"action": KEEP_REST, "pp_port": " ".join(TNS[:100])})
    view = build(CSR_TNS, BTN, [], "", data)
    assert len(view.lists["pp_keep"].split()) == 500 and view.counts["unchosen"] == 0


def test_the_nan_list_holds_only_tns_that_stay_and_only_when_the_btn_leaves():
    data = MultiDict({"pp_port": f"{TNS[0]} {TNS[1]}", "pp_disc": TNS[2], "pp_keep": TNS[3]})
    view = build(CSR_TNS, BTN, [], "", data, new_btn=TNS[1])
    assert view.btn_leaves and view.staying == TNS[3:]  # kept or not yet marked
    assert view.new_btn == ""  # a ported TN cannot be the new BTN
    assert build(CSR_TNS, BTN, [], "", data, new_btn=TNS[3]).new_btn == TNS[3]
    assert not build(CSR_TNS, BTN, [TNS[1]], "").btn_leaves  # the BTN stays
    assert not build(CSR_TNS, BTN, TNS, "").btn_leaves  # a full port: no new BTN


def test_the_lsr_fields_start_the_table_when_nothing_was_posted():
    view = build(CSR_TNS, BTN, TNS[:2], f"PARTIAL PORT; DISC {TNS[2]}")
    assert [r.choice for r in view.rows[:4]] == ["port", "port", "disconnect", None]
