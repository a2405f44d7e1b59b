"""The packaged catalogs are the spec's CSVs, loaded as data; imports stay pure."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import SPEC

from validators.catalog import DATA_DIR, FIELDS, INTERVALS, REJECT_CODES, finding

PACKAGE = Path(__file__).resolve().parents[3] / "validators"
ALLOWED_THIRD_PARTY = {"dateutil", "holidays", "validators"}


@pytest.mark.parametrize("name", ["reject-codes.csv", "intervals.csv", "lsr-fields.csv"])
def test_packaged_csv_equals_spec(name):
    if not SPEC.is_dir():
        pytest.skip("the spec folder is not present")
    assert (DATA_DIR / name).read_bytes() == (SPEC / name).read_bytes()


def test_catalogs_are_loaded():
    assert REJECT_CODES["R305"].field == "eu.zip"
    assert "lsr" in REJECT_CODES["R101"].applies_to
    assert len(INTERVALS) == 7 and INTERVALS[0].due_business_days == 1
    assert FIELDS["eu.zip"].required == "always"


def test_finding_message_starts_with_catalog_message_and_adds_specifics():
    made = finding("R201", "NPAC shows SPID SW01")
    assert made.message == "Not the current provider: NPAC shows another SPID for the TN: " \
                           "NPAC shows SPID SW01"
    assert made.field == "tns"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_validators_import_only_stdlib_dateutil_and_holidays():
    stdlib = set(sys.stdlib_module_names)
    for path in PACKAGE.rglob("*.py"):
        outside = _imports(path) - stdlib - ALLOWED_THIRD_PARTY
        assert not outside, f"{path.name} imports {outside}"


def test_validators_never_read_the_clock():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for call in ("datetime.now(", "date.today(", "time.time(", ".utcnow("):
            assert call not in text, f"{path.name} calls {call}"
