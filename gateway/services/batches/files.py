"""Read an LSR batch's CSV file (api-contract §4.2.1) into LSR bodies, in file order. Pure.

One row per TN; rows with the same PON form one LSR (§12.1). The header names LSR keys of
lsr-fields.csv (EU keys as `eu.name`), except `tns` and `loa`, plus `tn`."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from validators.catalog import FIELDS, finding

MAX_LSRS = 500
MAX_FILE_BYTES = 5 * 1024 * 1024
COLUMNS = frozenset(k for k in FIELDS if k not in ("tns", "loa")) | {"tn"}


class BadCsv(ValueError):
    """The file itself cannot be read as a batch (400 `bad_csv`, nothing recorded)."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message, self.fields = message, fields


@dataclass
class ParsedLsr:
    """One LSR of the file: its body, the line of its first row, and R602 findings found while
    reading (rows that disagree; a `sup`)."""

    body: dict[str, Any]
    line: int
    rows: list[dict[str, str]] = field(default_factory=list)
    edge_rejects: list[dict[str, str]] = field(default_factory=list)

    @property
    def pon(self) -> str | None:
        pon = self.body.get("pon")
        return pon if isinstance(pon, str) else None


def _text(data: bytes) -> str:
    if not data or not data.strip():
        raise BadCsv("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise BadCsv(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if b"\x00" in data:
        raise BadCsv("The file is not a CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadCsv("The file is not UTF-8 text.") from None


def _header(row: list[str]) -> list[str]:
    names = [name.strip().lower() for name in row]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise BadCsv(f"Unknown column(s): {', '.join(repr(n) for n in unknown[:10])}. The "
                     "columns are the LSR keys of lsr-fields.csv (EU keys as eu.name, eu.zip "
                     "…) except tns and loa, plus tn.", columns=unknown[:10])
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BadCsv(f"Column(s) named twice: {', '.join(repeated)}.", columns=repeated)
    if "tn" not in names:
        raise BadCsv("The header has no tn column (one TN per row).", columns=["tn"])
    return names


def _body(values: dict[str, str]) -> dict[str, Any]:
    """An LSR body from one row: blank cells are absent, EU keys nest under `eu`."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        if name == "tn" or not value:
            continue
        if name.startswith("eu."):
            body.setdefault("eu", {})[name[3:]] = value
        else:
            body[name] = value
    return body


def _read_rows(data: bytes) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(_text(data), newline="")))
    except csv.Error as err:
        raise BadCsv(f"The file is not valid CSV: {err}.") from None
    if not rows:
        raise BadCsv("The file is empty.")
    return rows


def parse_csv(data: bytes) -> list[ParsedLsr]:
    """Return the file's LSRs in file order; raise BadCsv for the file's problems."""
    rows = _read_rows(data)
    names = _header(rows[0])
    lsrs: list[ParsedLsr] = []
    by_pon: dict[str, ParsedLsr] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise BadCsv(f"Line {line} has {len(row)} cells; the header names {len(names)}.",
                         line=line)
        values = {n: (row[i].strip() if i < len(row) else "") for i, n in enumerate(names)}
        _add_row(lsrs, by_pon, values, line)
    if not lsrs:
        raise BadCsv("The file has a header but no rows.")
    for lsr in lsrs:
        lsr.body.setdefault("tns", [])
        if lsr.body.get("sup"):
            lsr.edge_rejects.insert(0, sup_reject())
    return lsrs


def _add_row(lsrs: list[ParsedLsr], by_pon: dict[str, ParsedLsr], values: dict[str, str],
             line: int) -> None:
    """A row starts the LSR of its PON (a row without PON is an LSR of its own) or adds its
    TN to it."""
    pon = values.get("pon", "")
    lsr = by_pon.get(pon) if pon else None
    if lsr is None:
        lsr = ParsedLsr(_body(values), line)
        lsrs.append(lsr)
        if pon:
            by_pon[pon] = lsr
        if len(lsrs) > MAX_LSRS:
            raise BadCsv(f"The file holds more than {MAX_LSRS} LSRs (distinct PONs).")
    else:
        _agree(lsr, values, line)
    lsr.rows.append(values)
    if values["tn"]:
        lsr.body.setdefault("tns", []).append(values["tn"])


def _agree(lsr: ParsedLsr, values: dict[str, str], line: int) -> None:
    """§12.1: the rows of one PON agree in every column but `tn`; name the first that does not."""
    if lsr.edge_rejects:
        return
    first = lsr.rows[0]
    for name, value in values.items():
        if name != "tn" and value != first.get(name, ""):
            lsr.edge_rejects.append(finding(
                "R602", f"row {line} of the file differs from row {lsr.line} (the PON's first) "
                f"in column {name}; the rows of one PON must agree in every column but tn",
                name).as_dict())
            return


def sup_reject() -> dict[str, str]:
    return finding("R602", "a batch carries new LSRs and resubmissions only; send "
                   "supplements one by one", "sup").as_dict()


def template_csv() -> str:
    """The template offered for download: the usual columns and two example rows of one PON."""
    header = ["pon", "ver", "ccna", "an", "atn", "cc", "nnsp", "npdi", "reqtyp", "act", "ddd",
              "exp", "agauth", "mi", "nan", "passcode", "remarks", "init", "init_tel",
              "eu.name", "eu.zip", "tn"]
    example = {"pon": "PARK001", "ver": "1", "ccna": "ABC", "an": "123456", "cc": "A123",
               "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-12-21", "agauth": "Y",
               "init_tel": "5415550100", "eu.zip": "97401"}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for tn in ("5415550142", "5415550143"):
        writer.writerow([tn if name == "tn" else example.get(name, "") for name in header])
    return buffer.getvalue()
