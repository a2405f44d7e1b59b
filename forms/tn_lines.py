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


_MAX_TOKENS_PER_TN = 4  # "1 541 555 0142" is the most a TN is written over
_LONG_NUMBER = 7  # a cell with this many digits that is not a TN is a mistyped TN, not a note


def _cells(line: str) -> list[str]:
    """The line's cells: split on tab, comma or semicolon (CSV quoting honoured)."""
    if not any(sep in line for sep in ",;\t"):
        return [line.strip()]
    text = line.replace("\t", ",").replace(";", ",")
    cells = next(csv.reader(io.StringIO(text)), [])
    return [c.strip() for c in cells if c.strip()]


def _values(cell: str) -> list[tuple[str, str | None]]:
    """Each value written in one cell as (as written, TN or None): several TNs separated by
    spaces are split, a TN written with spaces ("541 555 0142") stays one value."""
    if normalize(cell):
        return [(cell, normalize(cell))]
    tokens = cell.split()
    found: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + _MAX_TOKENS_PER_TN), i, -1):
            written = " ".join(tokens[i:j])
            tn = normalize(written)
            if tn:
                found.append((written, tn))
                i = j
                break
        else:
            found.append((tokens[i], None))
            i += 1
    return found


def _line_values(line: str) -> list[tuple[str, str | None]]:
    """The TNs a line holds, each with its text; words beside TNs (a name, "working") are notes,
    but a long number that is not a TN is shown as invalid. A line with no TN is one value."""
    values = [v for cell in _cells(line) for v in _values(cell)]
    if any(tn for _, tn in values):
        return [(w, tn) for w, tn in values
                if tn or sum(ch.isdigit() for ch in w) >= _LONG_NUMBER]
    first = next(iter(_cells(line)), "")
    return [(first, None)] if first else []


def parse_lines(text: str | None) -> list[TnLine]:
    """Split the text into lines and each line into its TNs (tab, comma, semicolon or space
    between them); skip blanks and a header line."""
    result: list[TnLine] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        values = _line_values(line)
        if not result and len(values) == 1 and values[0][1] is None \
                and all(_HEADER.match(c) for c in _cells(line)):
            continue
        for written, tn in values:
            raw = written[:40]
            if tn is None:
                result.append(TnLine(number, raw, None, "invalid",
                                     "not a 10-digit NANP number (NPA and NXX start 2-9)"))
            elif tn in seen:
                result.append(TnLine(number, raw, tn, "duplicate", "listed on an earlier line"))
            else:
                seen.add(tn)
                result.append(TnLine(number, raw, tn, "valid"))
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



def lines_to_show(lines: list[TnLine], limit: int) -> list[TnLine]:
    """At most `limit` lines, in input order: every line with a problem first, then valid lines
    while room is left (the tally still counts them all)."""
    if len(lines) <= limit:
        return lines
    problems = [line for line in lines if line.status != "valid"][:limit]
    room = limit - len(problems)
    valid = [line for line in lines if line.status == "valid"][:room]
    return sorted(problems + valid, key=lambda line: line.number)
