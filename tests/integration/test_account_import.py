"""The account import loads the same rows on both databases (quoted values, padded values,
booleans, resale SPIDs, hashed passcodes), replaces the accounts it names, and names the first
bad row and column while loading nothing."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from gateway.models import Account, PasscodeFailure, Tn
from tests.conftest import EXAMPLES

HEADER = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
ROWS = [
    "700001,5035550100,ACME CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,5035550100,working,pbx,N,,4321,"
    "N,a@x.example",
    "700001,5035550100,ACME CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,5035550101,suspended,pbx,N,,"
    "4321,N,a@x.example",
    "700002,5035550200,\"SMITH, JO\",2,N,OAK,AVE,,,,BEND,OR,97701-1234,5035550200,working,pots,Y,"
    "ZZ99,,Y,",
    " 700003 ,5035550300,PADDED,3,,ELM,RD,,,,SALEM,OR,97301,5035550300,working,pots,N,,,N,",
]


def _write(tmp_path, rows, name="accounts.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _snapshot(db_session):
    accounts = db_session.execute(sa.select(
        Account.account_number, Account.btn, Account.customer_name, Account.zip, Account.une,
        Account.resale_spid, Account.port_freeze, Account.contact_email,
        Account.passcode_hash.is_not(None)).order_by(Account.account_number)).all()
    tns = db_session.execute(sa.select(Tn.tn, Tn.account_number, Tn.status)
                             .order_by(Tn.tn)).all()
    return [tuple(a) for a in accounts], [tuple(t) for t in tns]


def test_the_import_loads_the_same_rows_on_either_path(cli, db_session, tmp_path, db_url):
    code, out = cli("import-accounts", _write(tmp_path, ROWS))
    assert code == 0 and "imported 4 rows" in out, out
    accounts, tns = _snapshot(db_session)
    assert accounts == [
        ("700001", "5035550100", "ACME CO", "97201", False, None, False, "a@x.example", True),
        ("700002", "5035550200", "SMITH, JO", "97701-1234", True, "ZZ99", True, None, False),
        ("700003", "5035550300", "PADDED", "97301", False, None, False, None, False)]
    assert tns == [("5035550100", "700001", "working"), ("5035550101", "700001", "suspended"),
                   ("5035550200", "700002", "working"), ("5035550300", "700003", "working")]


def test_a_staged_import_replaces_the_accounts_it_names(cli, db_session, tmp_path):
    assert cli("import-accounts", _write(tmp_path, ROWS))[0] == 0
    again = [ROWS[0].replace("ACME CO", "ACME CORP"), ROWS[2]]
    assert cli("import-accounts", _write(tmp_path, again, "again.csv"))[0] == 0
    accounts, tns = _snapshot(db_session)
    assert [a[2] for a in accounts] == ["ACME CORP", "SMITH, JO", "PADDED"]
    assert ("5035550101", "700001", "suspended") not in tns  # the account's TNs were replaced


def test_a_bad_row_is_named_and_nothing_is_loaded(cli, db_session, tmp_path):
    bad = [*ROWS[:2], ROWS[2].replace(",OR,97701-1234,", ",OR,9770,")]
    code, out = cli("import-accounts", _write(tmp_path, bad))
    assert code != 0 and "row 4, column zip" in out, out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Tn)) == 0


def test_rows_of_one_account_that_disagree_are_refused(cli, db_session, tmp_path):
    bad = [ROWS[0], ROWS[1].replace("PORTLAND", "SALEM")]
    code, out = cli("import-accounts", _write(tmp_path, bad))
    assert code != 0 and "row 3, column city" in out, out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


def _wrong_passcode(heron, pon="PC0"):
    body = {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), "pon": pon,
            "passcode": "0000"}
    assert [r["code"] for r in heron.post("/api/v1/lsrs", body).get_json()["rejects"]] == ["R306"]


def test_reimport_after_a_wrong_passcode(cli, heron, store):
    _wrong_passcode(heron)
    code, out = cli("import-accounts", EXAMPLES / "accounts.csv")
    assert code == 0 and "imported 5 rows" in out, out
    # the failure is kept: a re-import never resets the §4.5 count
    assert store.scalars(sa.select(PasscodeFailure.account_number)).all() == ["884201"]
    assert store.scalar(sa.select(sa.func.count()).select_from(Tn)) == 5


def test_a_reimport_updates_a_referenced_account_in_place_and_keeps_its_lock(
        cli, heron, store, tmp_path):
    _wrong_passcode(heron)
    until = datetime(2030, 1, 1, tzinfo=UTC)
    store.execute(sa.update(Account).where(Account.account_number == "884201")
                  .values(locked_until=until))
    store.commit()
    lines = (EXAMPLES / "accounts.csv").read_text().splitlines()
    # new name, freeze on, and a quoted row: on PostgreSQL the row path loads it
    lines[1] = (lines[1].replace("LINDA NAKAMURA", '"NAKAMURA, LINDA"')
                .replace(",N,linda", ",Y,linda"))
    for index, rows in ((1, lines), (2, [lines[0], lines[1].replace('"NAKAMURA, LINDA"',
                                                                     "LINDA NAKAMURA")])):
        path = tmp_path / f"again{index}.csv"
        path.write_text("\n".join(rows) + "\n")
        code, out = cli("import-accounts", path)
        assert code == 0, out
        store.expire_all()
        account = store.get(Account, "884201")
        assert account.customer_name == ("NAKAMURA, LINDA" if index == 1 else "LINDA NAKAMURA")
        assert account.port_freeze is True  # the file's freeze (§11.1: the latest action wins)
        assert account.locked_until == until
        assert store.scalar(sa.select(sa.func.count()).select_from(PasscodeFailure)) == 1
    assert store.scalar(sa.select(sa.func.count()).select_from(Account)) == 3
    assert store.scalars(sa.select(Tn.tn).where(Tn.account_number == "884201")).all() == [
        "5415550142"]


@pytest.mark.parametrize(("old", "new", "column"), [
    ("ACME CO", "A" * 121, "customer_name"),
    ("PORTLAND", "P" * 61, "city"),
    ("MAIN", "M" * 81, "sasn"),
    ("a@x.example", "a" * 191 + "@x.example", "contact_email"),
    ("ACME CO", "ACME\x00CO", "customer_name"),
    ("ACME CO", '"ACME\x00, CO"', "customer_name"),
    (",4321,", ",43\x0021,", "passcode"),
])
def test_a_value_too_long_for_its_column_or_with_a_nul_is_named(cli, db_session, tmp_path,
                                                                 old, new, column):
    bad = [ROWS[2], ROWS[0].replace(old, new), ROWS[1].replace(old, new)]
    code, out = cli("import-accounts", _write(tmp_path, bad))
    assert code != 0 and f"row 3, column {column}" in out, out
    assert "Traceback" not in out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


def test_values_as_long_as_their_columns_are_loaded(cli, db_session, tmp_path):
    row = ROWS[0].replace("ACME CO", "A" * 120).replace("PORTLAND", "P" * 60)
    assert cli("import-accounts", _write(tmp_path, [row]))[0] == 0
    assert db_session.get(Account, "700001").customer_name == "A" * 120


@pytest.mark.parametrize(("old", "new", "column"), [
    (",5035550100,ACME", ",50355501\u0660\u0660,ACME", "btn"),  # Arabic-Indic zeros
    (",97201,5035550100,", ",\uff19\uff17\uff12\uff10\uff11,5035550100,", "zip"),  # fullwidth
    (",97201,5035550100,", ",97201,503555010\u0663,", "tn"),
])
def test_numbers_must_be_ascii_digits(cli, db_session, tmp_path, old, new, column):
    code, out = cli("import-accounts", _write(tmp_path, [ROWS[0].replace(old, new)]))
    assert code != 0 and f"row 2, column {column}" in out, out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0
