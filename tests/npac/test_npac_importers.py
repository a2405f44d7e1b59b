"""NPAC data file imports (api-contract §3.2): all or nothing, errors name row and column."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from npac import importers
from npac.errors import ImportFailed
from npac.models import NpaNxxCode, Spid, SubscriptionVersion, ThousandsBlock
from npac.simulator import SqlRegistry

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
SPIDS = ("spid,name,type", "CT01,Cascade Telecom,wireline", "B451,Blue Heron Wireless,wireless")


def _count(conn, model) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(model))


def _import_examples(conn, example_dir) -> list[int]:
    return [getattr(importers, f"import_{kind}")(conn, str(example_dir / f"{kind}.csv"))
            for kind in ("spids", "codes", "blocks", "tns")]


def test_example_files_load_and_answer_who_holds_each_tn(conn, session, example_dir):
    assert _import_examples(conn, example_dir) == [4, 2, 1, 1]
    found = SqlRegistry(session).current_providers(["5415550199", "5415557020", "5415550142"])
    assert {tn: (p.spid, p.source) for tn, p in found.items()} == {
        "5415550199": ("B451", "sv"), "5415557020": ("SW01", "block"),
        "5415550142": ("CT01", "code")}


def test_ported_tn_is_an_active_sv_from_the_code_holder(conn, session, example_dir):
    _import_examples(conn, example_dir)
    [sv] = SqlRegistry(session).subscriptions_for_tns(["5415550199"])
    assert (sv.status, sv.old_spid, sv.new_spid, sv.lrn, sv.concurred) == (
        "active", "CT01", "B451", "5419990000", True)


def test_reimport_replaces_codes_and_blocks_and_updates_spids(conn, example_dir, write_csv):
    _import_examples(conn, example_dir)
    importers.import_spids(conn, write_csv("s.csv", "spid,name,type", "SW01,Summit West,voip"))
    importers.import_codes(conn, write_csv("c.csv", "npa_nxx,spid,lrn", "541555,SW01,5410000000"))
    importers.import_blocks(conn, str(example_dir / "blocks.csv"))
    assert conn.execute(sa.select(Spid.name, Spid.type).where(Spid.spid == "SW01")).one() == (
        "Summit West", "voip")
    assert _count(conn, Spid) == 4 and _count(conn, NpaNxxCode) == 2
    assert conn.scalar(sa.select(NpaNxxCode.spid).where(NpaNxxCode.npa_nxx == "541555")) == "SW01"
    assert _count(conn, ThousandsBlock) == 1


def test_reimported_tn_keeps_its_earlier_sv_as_old(conn, example_dir, write_csv):
    _import_examples(conn, example_dir)
    importers.import_tns(conn, write_csv("t.csv", "tn,spid,lrn", "5415550199,SW01,5413820000"),
                         now=NOW)
    table = SubscriptionVersion.__table__
    rows = conn.execute(sa.select(table.c.new_spid, table.c.status).order_by(table.c.id)).all()
    assert rows == [("B451", "old"), ("SW01", "active")]


def test_header_columns_may_come_in_any_order(conn, write_csv):
    path = write_csv("s.csv", "type,spid,name", "wireline,CT01,Cascade Telecom")
    assert importers.import_spids(conn, path) == 1
    assert conn.scalar(sa.select(Spid.name)) == "Cascade Telecom"


BAD_FILES = [
    ("spids", ["spid,name", "CT01,Cascade"], 1, "type"),
    ("spids", ["spid,name,type,extra", "CT01,Cascade,wireline,x"], 1, "extra"),
    ("spids", [*SPIDS, "CT-2,Cascade,wireline"], 4, "spid"),
    ("spids", [*SPIDS, "CT02,  ,wireline"], 4, "name"),
    ("spids", [*SPIDS, "CT02,Cascade,cable"], 4, "type"),
    ("spids", [*SPIDS, "CT01,Again,wireline"], 4, "spid"),
    ("spids", [*SPIDS, "CT02,Cascade"], 4, "type"),
    ("codes", ["npa_nxx,spid,lrn", "541555,CT01,5415550000", "141555,CT01,5415550000"], 3,
     "npa_nxx"),
    ("codes", ["npa_nxx,spid,lrn", "541155,CT01,5415550000"], 2, "npa_nxx"),
    ("codes", ["npa_nxx,spid,lrn", "541555,CT01,541555000"], 2, "lrn"),
    ("codes", ["npa_nxx,spid,lrn", "541555,CT01,5415550000", "541555,B451,5415550000"], 3,
     "npa_nxx"),
    ("codes", ["npa_nxx,spid,lrn", "541555,CT01,5415550000", "541556,XX01,5415550000"], 3,
     "spid"),
    ("blocks", ["npa_nxx_x,spid,lrn", "541555,CT01,5415550000"], 2, "npa_nxx_x"),
    ("blocks", ["npa_nxx_x,spid,lrn", "5415557,ct01,5415550000"], 2, "spid"),
    ("tns", ["tn,spid,lrn", "5415550199,B451,5419990000", "541555019,B451,5419990000"], 3, "tn"),
    ("tns", ["tn,spid,lrn", "5415550199,B451,5419990000", "5415550199,CT01,5419990000"], 3,
     "tn"),
    ("tns", ["tn,spid,lrn", "5415550199,B451,5419990000", "5415550198,NEW1,5419990000"], 3,
     "spid"),
    ("tns", ["tn,spid,lrn", "5415550199,B451,54199900OO"], 2, "lrn"),
]


@pytest.mark.parametrize("kind, lines, row, column", BAD_FILES)
def test_bad_file_fails_naming_row_and_column_and_loads_nothing(conn, write_csv, kind, lines,
                                                                 row, column):
    if kind != "spids":
        importers.import_spids(conn, write_csv("spids.csv", *SPIDS))
    before = {m: _count(conn, m) for m in (Spid, NpaNxxCode, ThousandsBlock, SubscriptionVersion)}
    with pytest.raises(ImportFailed) as failure:
        getattr(importers, f"import_{kind}")(conn, write_csv(f"{kind}.csv", *lines))
    assert (failure.value.row, failure.value.column) == (row, column)
    assert f"row {row}, column {column}" in str(failure.value)
    assert {m: _count(conn, m) for m in before} == before


def test_duplicate_tn_names_the_earlier_row(conn, write_csv):
    importers.import_spids(conn, write_csv("spids.csv", *SPIDS))
    path = write_csv("tns.csv", "tn,spid,lrn", "5415550199,B451,5419990000",
                     "5415550198,B451,5419990000", "5415550199,B451,5419990000")
    with pytest.raises(ImportFailed, match="duplicate of row 2"):
        importers.import_tns(conn, path)


def test_bad_row_at_the_end_of_a_large_file_loads_nothing(conn, write_csv):
    importers.import_spids(conn, write_csv("spids.csv", *SPIDS))
    good = [f"5415{i:06d},B451,5419990000" for i in range(20_000)]
    path = write_csv("tns.csv", "tn,spid,lrn", *good, "5415999999,B451,bad")
    with pytest.raises(ImportFailed) as failure:
        importers.import_tns(conn, path)
    assert (failure.value.row, failure.value.column) == (20_002, "lrn")
    assert _count(conn, SubscriptionVersion) == 0


def test_large_tn_file_loads_and_reports_progress(conn, write_csv, monkeypatch):
    monkeypatch.setattr(importers, "PROGRESS_EVERY", 1_000)
    importers.import_spids(conn, write_csv("spids.csv", *SPIDS))
    path = write_csv("tns.csv", "tn,spid,lrn",
                     *(f"5415{i:06d},B451,5419990000" for i in range(2_500)))
    seen: list[int] = []
    assert importers.import_tns(conn, path, now=NOW, progress=seen.append) == 2_500
    assert _count(conn, SubscriptionVersion) == 2_500
    assert seen == [1_000, 2_000, 1_000, 2_000, 2_500]


def test_large_load_rebuilds_the_one_active_sv_per_tn_index(conn, write_csv, monkeypatch):
    monkeypatch.setattr(importers, "REBUILD_INDEX_MIN", 10)
    importers.import_spids(conn, write_csv("spids.csv", *SPIDS))
    lines = [f"5415{i:06d},B451,5419990000" for i in range(50)]
    importers.import_tns(conn, write_csv("tns.csv", "tn,spid,lrn", *lines), now=NOW)
    importers.import_tns(conn, write_csv("again.csv", "tn,spid,lrn", *lines[:20]), now=NOW)
    table = SubscriptionVersion.__table__
    statuses = conn.execute(sa.select(table.c.status, sa.func.count())
                            .group_by(table.c.status)).all()
    assert dict(statuses) == {"active": 50, "old": 20}
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(table.insert().values(tn="5415000000", new_spid="CT01", lrn="5419990000",
                                           status="active", concurred=True, created_at=NOW,
                                           updated_at=NOW))


def test_file_that_is_not_utf8_fails_cleanly(conn, tmp_path):
    path = tmp_path / "spids.csv"
    path.write_bytes(b"spid,name,type\nCT01,Caf\xe9 Telecom,wireline\n")
    with pytest.raises(ImportFailed, match="UTF-8"):
        importers.import_spids(conn, str(path))
    assert _count(conn, Spid) == 0
