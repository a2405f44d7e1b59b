"""Bulk imports of carrier data: accounts (api-contract §3.1) and escalation contacts (§3.3)."""
from __future__ import annotations

import csv
import re
from typing import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Account, EscalationContact, Tn
from gateway.models.accounts import SERVICE_CLASSES
from npac.bulk import load_rows
from validators.passcode import hash_passcode

ACCOUNT_COLUMNS = ("account_number", "btn", "customer_name", "sano", "sasd", "sasn", "sath",
                   "sass", "ld1", "lv1", "city", "state", "zip", "tn", "tn_status",
                   "service_class", "une", "resale_spid", "passcode", "port_freeze",
                   "contact_email")
ACCOUNT_LEVEL = tuple(c for c in ACCOUNT_COLUMNS if c not in ("tn", "tn_status"))
TN_IMPORT_STATUSES = ("working", "disconnected", "suspended")
ESCALATION_COLUMNS = ("state", "level", "name", "title", "email", "phone", "hours")

_TN = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")
_AN = re.compile(r"^[A-Za-z0-9]{1,20}$")
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_SPID = re.compile(r"^[A-Z0-9]{4}$")
_YN = ("Y", "N")


class ImportFailed(InvalidInput):
    """A bad row or header; nothing was loaded."""

    code = "import_failed"


def _fail(path: str, row: int, column: str, value: str, why: str) -> ImportFailed:
    return ImportFailed(f"{path}: row {row}, column {column}: {value!r} {why}; nothing imported.")


def _reader(path: str, expected: tuple[str, ...]) -> Iterable[tuple[int, list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if tuple(header) != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            raise ImportFailed(f"{path}: row 1 (header): expected columns "
                               f"{','.join(expected)}; missing {missing or 'none'}, "
                               f"unexpected {extra or 'none'}; nothing imported.")
        for number, row in enumerate(reader, start=2):
            if row:
                yield number, row


def _check_account_row(path: str, n: int, r: list[str], states: frozenset[str]) -> None:
    checks = (
        (0, _AN.match(r[0]), "is not 1-20 letters or digits"),
        (1, _TN.match(r[1]), "is not a 10-digit NANP number"),
        (2, r[2].strip(), "is empty"),
        (11, r[11] in states, "is not a state the carrier serves"),
        (12, _ZIP.match(r[12]), "is not a ZIP or ZIP+4"),
        (13, _TN.match(r[13]), "is not a 10-digit NANP number"),
        (14, r[14] in TN_IMPORT_STATUSES, f"is not one of {'|'.join(TN_IMPORT_STATUSES)}"),
        (15, r[15] in SERVICE_CLASSES, f"is not one of {'|'.join(SERVICE_CLASSES)}"),
        (16, r[16] in _YN, "is not Y or N"),
        (17, not r[17] or _SPID.match(r[17]), "is not a 4-character SPID"),
        (19, r[19] in _YN, "is not Y or N"),
    )
    for index, ok, why in checks:
        if not ok:
            raise _fail(path, n, ACCOUNT_COLUMNS[index], r[index], why)


def import_accounts(session: Session, path: str, *, states: frozenset[str],
                    progress: Callable[[int], None] | None = None) -> int:
    """Load accounts and TNs from CSV, all or nothing; existing accounts are replaced."""
    width = len(ACCOUNT_COLUMNS)
    accounts: dict[str, tuple] = {}
    tns: dict[str, tuple] = {}
    count = 0
    for n, row in _reader(path, ACCOUNT_COLUMNS):
        if len(row) != width:
            raise _fail(path, n, "(row)", ",".join(row), f"has {len(row)} fields, not {width}")
        row = [v.strip() for v in row]
        _check_account_row(path, n, row, states)
        level = tuple(row[:13]) + tuple(row[15:])
        seen = accounts.get(row[0])
        if seen is None:
            accounts[row[0]] = level
        elif seen != level:
            column = next(c for c, a, b in zip(ACCOUNT_LEVEL, seen, level) if a != b)
            raise _fail(path, n, column, row[ACCOUNT_COLUMNS.index(column)],
                        f"disagrees with an earlier row of account {row[0]}")
        if row[13] in tns:
            raise _fail(path, n, "tn", row[13], "appears twice in the file")
        tns[row[13]] = (row[13], row[0], row[14])
        count += 1
        if progress and count % 50_000 == 0:
            progress(count)
    _replace(session, list(accounts), list(tns))
    connection = session.connection()
    load_rows(connection, Account.__table__, list(_ACCOUNT_DB_COLUMNS),
              (_account_values(v) for v in accounts.values()))
    load_rows(connection, Tn.__table__, ["tn", "account_number", "status"], tns.values())
    if progress:
        progress(count)
    return count


_ACCOUNT_DB_COLUMNS = ACCOUNT_LEVEL[:13] + ("service_class", "une", "resale_spid",
                                           "passcode_hash", "port_freeze", "contact_email")


def _account_values(v: tuple) -> tuple:
    # v = 13 address/identity values, then service_class, une, resale_spid, passcode, freeze, email
    passcode = v[16]
    return v[:13] + (v[13], v[14] == "Y", v[15] or None,
                     hash_passcode(passcode) if passcode else None, v[17] == "Y", v[18] or None)


def _replace(session: Session, account_numbers: list[str], tn_list: list[str]) -> None:
    """Delete the rows the file replaces (skipped entirely on an empty table)."""
    if session.scalar(sa.select(Account.account_number).limit(1)) is None:
        return
    for start in range(0, max(len(tn_list), len(account_numbers)), 5000):
        chunk_tns, chunk_accounts = tn_list[start:start + 5000], account_numbers[start:start + 5000]
        if chunk_tns:
            session.execute(sa.delete(Tn).where(Tn.tn.in_(chunk_tns)))
        if chunk_accounts:
            session.execute(sa.delete(Tn).where(Tn.account_number.in_(chunk_accounts)))
            session.execute(sa.delete(Account).where(Account.account_number.in_(chunk_accounts)))


def import_escalations(session: Session, path: str, *, states: frozenset[str]) -> int:
    """Load escalation contacts, replacing those of the states named in the file."""
    rows: dict[tuple[str, int], dict] = {}
    for n, r in _reader(path, ESCALATION_COLUMNS):
        if len(r) != len(ESCALATION_COLUMNS):
            raise _fail(path, n, "(row)", ",".join(r), "has the wrong number of fields")
        r = [v.strip() for v in r]
        if r[0].upper() not in states:
            raise _fail(path, n, "state", r[0], "is not a state the carrier serves")
        if not r[1].isdigit() or int(r[1]) < 1:
            raise _fail(path, n, "level", r[1], "is not a level 1, 2, 3…")
        for index in (2, 4, 5):
            if not r[index]:
                raise _fail(path, n, ESCALATION_COLUMNS[index], r[index], "is empty")
        if "@" not in r[4]:
            raise _fail(path, n, "email", r[4], "is not an email address")
        key = (r[0].upper(), int(r[1]))
        if key in rows:
            raise _fail(path, n, "level", r[1], f"is given twice for {key[0]}")
        rows[key] = dict(zip(ESCALATION_COLUMNS, [key[0], key[1], *r[2:]]))
    states_in_file = {state for state, _ in rows}
    if states_in_file:
        session.execute(sa.delete(EscalationContact)
                        .where(EscalationContact.state.in_(states_in_file)))
    session.add_all(EscalationContact(**values) for values in rows.values())
    session.flush()
    return len(rows)
