"""TN lists pasted or uploaded one per line: normalize each line and say valid/invalid/duplicate.

Pure: the "not ours" judgment needs NPAC and the accounts, so a service adds it afterwards.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace

from validators.fields import TN_RE

_PUNCT = re.compile(r"[\s().\-+/]")
_HEADER = re.compile(r"^[A-Za-z _#]+$")
MAX_UPLOAD_BYTES = 256 * 1024  # 500 TNs of 10 digits with CSV columns fit many times over


@dataclass(frozen=True)
class TnLine:
    """One non-blank input line and what it says."""

    number: int  # 1-based line number in the input
    raw: str
    tn: str | None  # the normalized 10-digit TN, None when the line is not a TN
    status: str  # valid | invalid | duplicate | not_ours | not_portable
    detail: str = ""

    def judged(self, status: str, detail: str) -> TnLine:
        return replace(self, status=status, detail=detail)


def normalize(raw: str) -> str | None:
    """Return the 10-digit NANP TN written in `raw` ((541) 555-0142, 1-541-555-0142), else None."""
    digits = _PUNCT.sub("", raw)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if TN_RE.match(digits) else None


def _first_cell(line: str) -> str:
    if not any(sep in line for sep in ",;\t"):
        return line.strip()
    dialect = "excel-tab" if "\t" in line else "excel"
    text = line.replace(";", ",") if dialect == "excel" else line
    cells = next(csv.reader(io.StringIO(text), dialect=dialect), [])
    return next((c.strip() for c in cells if c.strip()), "")


def parse_lines(text: str | None) -> list[TnLine]:
    """Split the text into lines (first CSV cell of each), skip blanks and a header line."""
    result: list[TnLine] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        cell = _first_cell(line)
        if not cell or (not result and _HEADER.match(cell)):
            continue
        tn = normalize(cell)
        if tn is None:
            result.append(TnLine(number, cell[:40], None, "invalid",
                                 "not a 10-digit NANP number (NPA and NXX start 2-9)"))
        elif tn in seen:
            result.append(TnLine(number, cell[:40], tn, "duplicate", "listed on an earlier line"))
        else:
            seen.add(tn)
            result.append(TnLine(number, cell[:40], tn, "valid"))
    return result


def read_upload(data: bytes) -> str:
    """Decode an uploaded .csv/.txt file (UTF-8 with or without BOM, else Latin-1)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def tns_of(lines: list[TnLine]) -> list[str]:
    """The TN list as sent: every line's TN, or its raw text when it is not one (so the rules
    engine names it), in input order."""
    return [line.tn or line.raw for line in lines]

