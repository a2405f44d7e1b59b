"""The PostgreSQL accounts import (`imports._AccountCopy`) loads exactly what the row-by-row path
(`imports.load_accounts`) loads, on its three ways (accounts streamed with the TN indexes
rebuilt, streamed without, replacing accounts); rows it cannot vouch for go to the row-by-row
path; a bad row anywhere in a large file is named as the row-by-row path names it, on both
databases, and nothing is loaded."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.models import Account, Tn
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services import imports
from validators.passcode import passcode_matches

HEADER = ",".join(imports.ACCOUNT_COLUMNS)
# the COPY path is PostgreSQL's: these cases run on it alone (no SQLite twin to skip)
POSTGRES_ONLY = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def _row(account: str, tn: str, name: str = "ACME CO", city: str = "PORTLAND",
         status: str = "working", passcode: str = "", tail: str = "pbx,N,,{p},N,a@x.example"
         ) -> str:
    return (f"{account},5035550100,{name},1,,MAIN,ST,,,,{city},OR,97201,{tn},{status},"
            + tail.format(p=passcode))


# Every form of row: plain accounts (with and without passcodes), an account's rows apart, a
# quoted name, a quoted value over two lines (CRLF inside), padded values, a tab and a
# backslash (COPY escapes), blank lines, CRLF and LF line ends mixed, Y/N, SPID, no e-mail.
MIXED = "".join([
    HEADER, "\r\n",
    _row("700001", "5035550100", passcode="4321"), "\r\n",
    _row("700001", "5035550101", status="suspended", passcode="4321"), "\r\n",
    _row("700002", "5035550200", tail="pots,Y,ZZ99,,Y,"), "\n",
    _row("700001", "5035550102", passcode="4321"), "\r\n",  # 700001 again, after 700002
    "\r\n",
    _row("700003", "5035550300", name='"SMITH, JO"'), "\r\n",
    _row("700003", "5035550301", name='"SMITH, JO"'), "\r\n",
    _row("700004", "5035550400", name='"TWO\r\nLINES"'), "\r\n",
    " 700005 ,5035550100,PADDED , 1,,MAIN,ST,,,,PORTLAND,OR,97201,5035550500,working,pots,N,,,"
    "N,\r\n",
    _row("700005", "5035550501", name="PADDED", city="PORTLAND", tail="pots,N,,,N,").replace(
        ",1,", ",1,"), "\r\n",
    _row("700006", "5035550600", name="TAB\tAND\\SLASH", passcode="99"), "\n",
    _row("700006", "5035550601", name="TAB\tAND\\SLASH", passcode="99"), "\n",
    "\n",
    _row("700007", "5035550700", status="disconnected", tail="did,N,AB12,12345678,N,b@x.example"),
])


def _write(tmp_path, text: str, name: str = "accounts.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _snapshot(session) -> tuple[list, list]:
    columns = [c for c in Account.__table__.columns if c.name != "passcode_hash"]
    accounts = session.execute(sa.select(*columns, Account.passcode_hash)
                               .order_by(Account.account_number)).all()
    key = passcode_key()
    found = []
    for row in accounts:  # hashes are salted: compare what they verify
        *values, hashed = row
        found.append((*values, hashed is not None and any(
            passcode_matches(p, hashed, key.pepper) for p in ("4321", "99", "12345678"))))
    tns = session.execute(sa.select(*Tn.__table__.columns).order_by(Tn.tn)).all()
    return found, [tuple(t) for t in tns]


def _by_copy(session, path) -> int:
    return imports._AccountCopy(session, str(path), frozenset(carrier_profile().states),
                                passcode_key(), None).run()


def _by_rows(session, path) -> int:
    return imports.load_accounts(session, imports.csv_rows(str(path), imports.ACCOUNT_COLUMNS),
                                 states=frozenset(carrier_profile().states),
                                 passcode_key=passcode_key(), source=str(path))


def _both(session, path, before=None) -> tuple:
    """(count, snapshot) by each path, each from the same start (before: a file loaded first)."""
    results = []
    for load in (_by_copy, _by_rows):
        savepoint = session.begin_nested()
        if before is not None:
            assert _by_rows(session, before)
        results.append((load(session, path), _snapshot(session)))
        savepoint.rollback()
    return results


@POSTGRES_ONLY
@pytest.mark.parametrize(("rebuild_from", "block_lines", "piece"), [
    (1, 20_000, 1 << 22),  # accounts and TNs streamed, one block
    (1, 2, 16),  # two lines a block, a piece a line: a quoted value spans pieces and blocks
    (10 ** 9, 20_000, 1 << 22),  # accounts streamed, TNs after
    (10 ** 9, 3, 16),
])
def test_the_copy_path_loads_what_the_row_path_loads(app, db_url, db_session, tmp_path,
                                                     monkeypatch, rebuild_from, block_lines,
                                                     piece):
    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", rebuild_from)
    monkeypatch.setattr(imports, "_BLOCK_LINES", block_lines)
    monkeypatch.setattr(imports, "_PIECE", piece)
    (count, copied), (expected_count, expected) = _both(db_session, _write(tmp_path, MIXED))
    assert count == expected_count == 12
    assert copied == expected
    accounts, tns = copied
    assert [a[0] for a in accounts] == [f"70000{i}" for i in range(1, 8)]
    assert accounts[3][3] == "1" and "TWO\r\nLINES" in accounts[3] and accounts[4][2] == "PADDED"
    assert accounts[5][2] == "TAB\tAND\\SLASH" and accounts[0][-1] and accounts[5][-1]
    assert ("5035550102", "700001", "working", None) in tns


@POSTGRES_ONLY
def test_the_copy_path_replaces_accounts_as_the_row_path_does(app, db_url, db_session, tmp_path):
    first = _write(tmp_path, "\n".join([HEADER, _row("700001", "5035550109"),
                                        _row("700009", "5035550900")]) + "\n", "first.csv")
    (count, copied), (_, expected) = _both(db_session, _write(tmp_path, MIXED), before=first)
    assert count == 12 and copied == expected
    assert ("5035550109", "700001", "working", None) not in copied[1]  # replaced with 700001
    assert ("5035550900", "700009", "working", None) in copied[1]


@POSTGRES_ONLY
def test_rows_the_copy_path_cannot_vouch_for_go_to_the_row_path(cli, db_url, db_session,
                                                                tmp_path):
    lone_cr = MIXED + "\n" + _row("700008", "5035550800", name='"CR\rALONE"') + "\n"
    path = _write(tmp_path, lone_cr)  # a CR alone ends a line for the csv module: not for COPY
    savepoint = db_session.begin_nested()
    with pytest.raises(imports._Unsure):
        _by_copy(db_session, path)
    savepoint.rollback()
    # in the header too (the csv reader would split it there: a header the row path refuses)
    header_cr = _write(tmp_path, HEADER.replace(",btn,", "\r,btn,") + "\n"
                       + _row("700001", "5035550100") + "\n", "header.csv")
    savepoint = db_session.begin_nested()
    with pytest.raises(imports._Unsure):
        _by_copy(db_session, header_cr)
    savepoint.rollback()
    code, out = cli("import-accounts", header_cr)
    assert code != 0 and "row 1 (header)" in out, out
    code, out = cli("import-accounts", path)
    assert code == 0 and "imported 13 rows" in out, out
    assert db_session.get(Account, "700008").customer_name == "CR\rALONE"


def _large(rows: int = 3000) -> list[str]:
    """Plain accounts of three TNs each (rows 2 .. rows + 1 of the file)."""
    return [_row(f"8{i // 3:05d}", f"50355{i:05d}", passcode="1" if i // 3 % 3 == 0 else "")
            for i in range(rows)]


@pytest.mark.parametrize(("change", "named"), [
    (lambda r: r.replace(",5035502500,", ",503550250,"), "row 2502, column tn: '503550250'"),
    (lambda r: r.replace(",5035502500,", ",5035500007,"), "row 2502, column tn: '5035500007' "
                                                            "appears twice"),
    (lambda r: r.replace("PORTLAND", "SALEM"), "row 2502, column city: 'SALEM' disagrees"),
    (lambda r: r.replace(",working,", ",gone,"), "row 2502, column tn_status: 'gone'"),
    (lambda r: r.replace(",97201,", ",9720,"), "row 2504, column zip: '9720'"),
])
def test_a_bad_row_late_in_a_large_file_is_named(cli, db_session, tmp_path, monkeypatch, change,
                                                 named):
    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", 100)  # PostgreSQL: accounts and TNs streamed
    monkeypatch.setattr(imports, "_BLOCK_LINES", 100)  # the bad row in block 26 of 31
    monkeypatch.setattr(imports, "_PIECE", 4096)  # and in piece ~90 of the file
    rows = _large()
    # row 2502 of the file: TN 5035502500, the second row of account 800833; zip is checked
    # on an account's first row: row 2504, account 800834
    index = 2502 if "zip" in named else 2500
    rows[index] = change(rows[index])
    assert rows[index] != _large()[index]
    path = _write(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    code, out = cli("import-accounts", path)
    assert code != 0 and named in out, out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Tn)) == 0
    with pytest.raises(imports.ImportFailed) as refused:  # the same words as the row path
        _by_rows(db_session, path)
    assert refused.value.message in out.replace("\n", " ") or str(refused.value) in out


def test_a_large_file_loads_on_both_databases(cli, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", 100)
    path = _write(tmp_path, "\r\n".join([HEADER, *_large()]) + "\r\n")
    code, out = cli("import-accounts", path)
    assert code == 0 and "imported 3000 rows" in out, out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 1000
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account).where(
        Account.passcode_hash.is_not(None))) == 334
    assert db_session.get(Tn, "5035502999").account_number == "800999"
