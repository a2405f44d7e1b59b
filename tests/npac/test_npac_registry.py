"""Who holds a TN (business-rules §2): SV, then thousands block, then NPA-NXX code."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from npac.interface import Provider

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
DUE = date(2026, 11, 25)


def _ported(registry, tn: str, spid: str = "B451") -> int:
    sv = registry.create_subscription(tn, spid, "5419990000", DUE, now=NOW, concur=True)
    return registry.activate(sv.id, now=NOW).id


def test_active_sv_wins_over_block_and_code(registry, holders):
    _ported(registry, "5415557001")
    assert registry.current_providers(["5415557001"]) == {"5415557001": Provider(
        "5415557001", "B451", "Blue Heron Wireless", "5419990000", "sv")}


def test_block_wins_over_code(registry, holders):
    provider = registry.current_providers(["5415557002"])["5415557002"]
    assert (provider.spid, provider.source, provider.lrn) == ("SW01", "block", "5413820000")
    assert provider.spid_name == "Summit West Communications"


def test_code_holder_answers_when_no_sv_or_block(registry, holders):
    provider = registry.current_providers(["5415550100"])["5415550100"]
    assert (provider.spid, provider.source, provider.spid_name) == (
        "CT01", "code", "Cascade Telecom")


def test_tn_of_unknown_npa_nxx_is_absent(registry, holders):
    assert registry.current_providers(["2125550100", "5415550100"]).keys() == {"5415550100"}


def test_pending_conflict_and_canceled_svs_do_not_change_the_provider(registry, holders):
    registry.create_subscription("5415550101", "B451", "5419990000", DUE, now=NOW, concur=True)
    registry.create_subscription("5415550102", "B451", "5419990000", DUE, now=NOW, concur=False)
    sv = registry.create_subscription("5415550103", "B451", "5419990000", DUE, now=NOW,
                                      concur=True)
    registry.cancel(sv.id, now=NOW)
    found = registry.current_providers(["5415550101", "5415550102", "5415550103"])
    assert {p.source for p in found.values()} == {"code"}


def test_empty_batch_runs_no_statement(registry, holders, statements):
    assert registry.current_providers([]) == {}
    assert statements == []


def test_500_tns_resolve_in_at_most_three_statements(registry, holders, statements):
    ported = [f"54155501{i:02d}" for i in range(20)]
    for tn in ported:
        _ported(registry, tn)
    tns = ported + [f"541555{i:04d}" for i in range(7000, 7240)] + \
        [f"541382{i:04d}" for i in range(240)]
    statements.clear()
    found = registry.current_providers(tns)
    assert len(tns) == 500 and len(statements) <= 3
    assert [sum(p.source == s for p in found.values()) for s in ("sv", "block", "code")] == \
        [20, 240, 240]


def test_levels_already_resolved_are_not_queried(registry, holders, statements):
    _ported(registry, "5415550150")
    statements.clear()
    registry.current_providers(["5415550150"])
    assert len(statements) == 1


def test_provider_of_sv_whose_spid_is_unknown_has_empty_name(registry, holders):
    _ported(registry, "5415550160", spid="ZZ99")
    assert registry.current_providers(["5415550160"])["5415550160"].spid_name == ""


def test_spid_names_lists_known_spids_only(registry, holders, statements):
    assert registry.spid_names(["CT01", "B451", "NOPE"]) == {
        "CT01": "Cascade Telecom", "B451": "Blue Heron Wireless"}
    assert len(statements) == 1


def test_pending_tns_lists_tns_with_pending_or_conflict_svs(registry, holders, statements):
    registry.create_subscription("5415550171", "B451", "5419990000", DUE, now=NOW, concur=True)
    registry.create_subscription("5415550172", "B451", "5419990000", DUE, now=NOW, concur=False)
    _ported(registry, "5415550173")
    canceled = registry.create_subscription("5415550174", "B451", "5419990000", DUE, now=NOW,
                                            concur=True)
    registry.cancel(canceled.id, now=NOW)
    statements.clear()
    tns = [f"54155501{i}" for i in range(70, 76)]
    assert registry.pending_tns(tns) == {"5415550171", "5415550172"}
    assert len(statements) == 1


@pytest.mark.parametrize("statuses, expected", [
    (None, ["active", "old", "pending"]),
    (["active"], ["active"]),
    (["old", "pending"], ["old", "pending"]),
    ([], []),
])
def test_subscriptions_for_tns_filters_by_status_in_one_query(registry, holders, statements,
                                                              statuses, expected):
    _ported(registry, "5415550180")
    _ported(registry, "5415550180", spid="SW01")
    registry.create_subscription("5415550181", "B451", "5419990000", DUE, now=NOW, concur=True)
    statements.clear()
    found = registry.subscriptions_for_tns(["5415550180", "5415550181"], statuses=statuses)
    assert sorted(sv.status for sv in found) == expected
    assert len(statements) == (1 if expected else 0)


def test_subscriptions_for_tns_refuses_an_unknown_status(registry):
    with pytest.raises(ValueError):
        registry.subscriptions_for_tns(["5415550180"], statuses=["gone"])


@pytest.mark.parametrize("lookup, index", [
    (lambda r, tns: r.current_providers(tns), "ux_npac_sv_active_tn"),
    (lambda r, tns: r.pending_tns(tns), "ix_npac_sv_inactive_tn"),
])
def test_tn_lookups_are_index_searches(registry, holders, conn, lookup, index):
    seen = []
    listener = lambda _c, _cur, statement, params, *_: seen.append((statement, params))  # noqa
    sa.event.listen(conn, "before_cursor_execute", listener)
    lookup(registry, ["5415550100", "5415550101"])
    sa.event.remove(conn, "before_cursor_execute", listener)
    statement, params = seen[0]
    # Status constants inline: a bound status would make PostgreSQL's generic plans seq-scan.
    assert "'active'" in statement
    if conn.dialect.name == "sqlite":
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    else:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
    assert index in " ".join(str(row) for row in plan)


def test_holders_apply_the_precedence_to_rows_and_share_a_code_holder():
    """The pure half of current_providers (the facts statement's rows go through it too):
    SV, else block, else code; TNs under one code get its one holder, a name of None is ""."""
    from npac.simulator import holders

    rows = [("541555", "OR01", "5415550000", "code", None),
            ("5415557", "SW01", "5413820000", "block", "Summit West"),
            ("5415557001", "B451", "5419990000", "sv", "Blue Heron")]
    tns = ["5415557001", "5415557002", "5415551000", "5415552000", "2125550000"]
    found = holders(tns, rows)
    assert found == {"5415557001": ("B451", "Blue Heron", "5419990000", "sv"),
                     "5415557002": ("SW01", "Summit West", "5413820000", "block"),
                     "5415551000": ("OR01", "", "5415550000", "code"),
                     "5415552000": ("OR01", "", "5415550000", "code")}
    assert found["5415551000"] is found["5415552000"]


def _precedence_by_the_rule(tns, rows):
    """§2 written out plainly: for each TN an SV row keyed by the TN, else a block row keyed by
    its first 7 digits, else a code row keyed by its first 6 (a later row of the same key
    replaces an earlier one)."""
    held = {}
    for key, spid, lrn, source, name in rows:
        held[(source, key)] = (spid, name or "", lrn, source)
    found = {}
    for tn in tns:
        for source, key in (("sv", tn), ("block", tn[:7]), ("code", tn[:6])):
            if (source, key) in held:
                found[tn] = held[(source, key)]
                break
    return found


_DIGITS = st.text("0123", min_size=10, max_size=10)  # few digits: prefixes collide often


@settings(max_examples=200, deadline=None, database=None)
@given(tns=st.lists(_DIGITS, max_size=12, unique=True),
       rows=st.lists(st.tuples(_DIGITS, st.sampled_from(["sv", "block", "code"]),
                               st.sampled_from(["B451", "SW01", "OR01"]),
                               st.sampled_from([None, "5419990000"]),
                               st.sampled_from([None, "", "Blue Heron"])), max_size=12))
def test_holders_answer_what_the_precedence_rule_says(tns, rows):
    from npac.simulator import holders, precedence

    shaped = [(tn[:{"sv": 10, "block": 7, "code": 6}[source]], spid, lrn, source, name)
              for tn, source, spid, lrn, name in rows]
    expected = _precedence_by_the_rule(tns, shaped)
    assert holders(tns, shaped) == expected
    assert precedence(tns, shaped) == {
        tn: Provider(tn, spid, name, lrn, source)
        for tn, (spid, name, lrn, source) in expected.items()}
