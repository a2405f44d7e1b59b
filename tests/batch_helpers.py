"""Builders for bulk tests (issue 15): many one-TN accounts, LSR bodies, CSV batch files."""
from __future__ import annotations

import csv
import io

from tests.conftest import EXAMPLES

FIRST_TN = 5415552000


def park_accounts(cli, tmp_path, n: int) -> list[tuple[str, str]]:
    """Load n one-TN POTS accounts in 541-555 (held by CT01); return (account, tn) pairs."""
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    pairs = [(str(700000 + i), str(FIRST_TN + i)) for i in range(n)]
    lines = [header] + [f"{an},{tn},PARK TENANT {i},100,,MAIN,ST,,,,BEND,OR,97703,{tn},"
                        f"working,pots,N,,,N,tenant{i}@example.net"
                        for i, (an, tn) in enumerate(pairs)]
    path = tmp_path / f"park-{n}.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out = cli("import-accounts", path)
    assert code == 0, out
    return pairs


def lsr(pon: str, an: str, tn: str, **over) -> dict:
    body = {"ccna": "BHW", "pon": pon, "ver": "1", "an": an, "cc": "B451", "npdi": "C",
            "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "agauth": "Y",
            "init_tel": "5419990123", "eu": {"zip": "97703"}, "tns": [tn]}
    body.update(over)
    return body


COLUMNS = ["pon", "ver", "ccna", "an", "cc", "npdi", "reqtyp", "act", "ddd", "agauth",
           "init_tel", "eu.zip", "tn"]


def csv_file(rows: list[dict], columns: list[str] = COLUMNS) -> bytes:
    """A batch CSV: one row per TN (dicts keyed by column; eu.zip defaults to 97703)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    base = lsr("X", "", "")
    defaults = {k: v for k, v in base.items() if isinstance(v, str)} | {"eu.zip": "97703"}
    for row in rows:
        writer.writerow([row.get(c, defaults.get(c, "")) for c in columns])
    return buffer.getvalue().encode()
