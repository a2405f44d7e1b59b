"""Bulk imports of carrier data: accounts (api-contract §3.1) and escalation contacts (§3.3).

`import_accounts` reads a CSV file; `load_accounts` takes the same rows from any iterable (the
demo seed generates them): both check every row the same way, then bulk-load (COPY on
PostgreSQL, batched executemany on SQLite) inside the caller's transaction — all or nothing.
"""
from __future__ import annotations

import csv
import gc
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Account, EscalationContact, Tn
from gateway.models.accounts import SERVICE_CLASSES
from npac.bulk import load_rows, rebuilt_indexes
from validators.passcode import PasscodeKey, hash_passcode

ACCOUNT_COLUMNS = ("account_number", "btn", "customer_name", "sano", "sasd", "sasn", "sath",
                   "sass", "ld1", "lv1", "city", "state", "zip", "tn", "tn_status",
                   "service_class", "une", "resale_spid", "passcode", "port_freeze",
                   "contact_email")
ACCOUNT_LEVEL = tuple(c for c in ACCOUNT_COLUMNS if c not in ("tn", "tn_status"))
TN_IMPORT_STATUSES = ("working", "disconnected", "suspended")
ESCALATION_COLUMNS = ("state", "level", "name", "title", "email", "phone", "hours")
PROGRESS_EVERY = 50_000
REBUILD_MIN_ROWS = 200_000  # from this many TN rows, secondary indexes are rebuilt after the load

_TN = re.compile(r"[2-9]\d{2}[2-9]\d{6}")
_AN = re.compile(r"[A-Za-z0-9]{1,20}")
_ZIP = re.compile(r"\d{5}(-?\d{4})?")
_SPID = re.compile(r"[A-Z0-9]{4}")
_YN = ("Y", "N")
_STATUS = {s: s for s in TN_IMPORT_STATUSES}  # one string object per status for 3 M rows
_SEP = "\x1f"
Rows = Iterable[tuple[int, Sequence[str]]]


class ImportFailed(InvalidInput):
    """A bad row or header; nothing was loaded."""

    code = "import_failed"


def _fail(path: str, row: int, column: str, value: str, why: str) -> ImportFailed:
    return ImportFailed(f"{path}: row {row}, column {column}: {value!r} {why}; nothing imported.")


def csv_rows(path: str, expected: tuple[str, ...]) -> Rows:
    """Yield (row number, values) of a CSV file whose header is exactly `expected`.

    Lines without a quote are split on commas (several times faster than the csv module);
    a line with a quote goes to the csv module, with the lines that follow if it spans them.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = [h.strip() for h in next(csv.reader(handle), [])]
            if tuple(header) != expected:
                missing = [c for c in expected if c not in header]
                extra = [c for c in header if c not in expected]
                raise ImportFailed(f"{path}: row 1 (header): expected columns "
                                   f"{','.join(expected)}; missing {missing or 'none'}, "
                                   f"unexpected {extra or 'none'}; nothing imported.")
            number = 1
            for line in handle:
                number += 1
                if '"' in line:
                    row = next(csv.reader(chain([line], handle)), [])
                else:
                    row = line.rstrip("\r\n").split(",")
                if row and row != [""]:
                    yield number, row
    except (UnicodeDecodeError, csv.Error) as err:
        raise ImportFailed(f"{path}: unreadable ({err}); the file must be UTF-8 CSV; "
                           "nothing imported.") from None


_reader = csv_rows  # the earlier name


def _check_account(path: str, n: int, r: Sequence[str], states: frozenset[str]) -> None:
    """Check the account-level values (once per account)."""
    checks = (
        (0, _AN.fullmatch(r[0]), "is not 1-20 letters or digits"),
        (1, _TN.fullmatch(r[1]), "is not a 10-digit NANP number"),
        (2, r[2], "is empty"),
        (11, r[11] in states, "is not a state the carrier serves"),
        (12, _ZIP.fullmatch(r[12]), "is not a ZIP or ZIP+4"),
        (15, r[15] in SERVICE_CLASSES, f"is not one of {'|'.join(SERVICE_CLASSES)}"),
        (16, r[16] in _YN, "is not Y or N"),
        (17, not r[17] or _SPID.fullmatch(r[17]), "is not a 4-character SPID"),
        (18, len(r[18]) <= 16, "is longer than 16 characters"),
        (19, r[19] in _YN, "is not Y or N"),
    )
    for index, ok, why in checks:
        if not ok:
            raise _fail(path, n, ACCOUNT_COLUMNS[index], r[index], why)


class _AccountFile:
    """The checked content of an accounts file: first row of each account, and TN rows."""

    def __init__(self, path: str, states: frozenset[str]) -> None:
        self.path, self.states = path, states
        self.accounts: dict[str, Sequence[str]] = {}
        self.tns: list[tuple[str, str, str]] = []
        self.seen: set[str] = set()

    def add(self, n: int, row: Sequence[str]) -> None:
        if len(row) != 21:
            raise _fail(self.path, n, "(row)", ",".join(row), f"has {len(row)} fields, not 21")
        joined = _SEP.join(row)
        if joined != joined.strip() or f" {_SEP}" in joined or f"{_SEP} " in joined:
            row = [v.strip() for v in row]  # rare: only when some value has outer spaces
        first = self.accounts.get(row[0])
        if first is None:
            _check_account(self.path, n, row, self.states)
            first = self.accounts[row[0]] = row
        elif first[:13] != row[:13] or first[15:] != row[15:]:
            column = next(c for c, a, b in zip(ACCOUNT_LEVEL, [*first[:13], *first[15:]],
                                               [*row[:13], *row[15:]], strict=False) if a != b)
            raise _fail(self.path, n, column, row[ACCOUNT_COLUMNS.index(column)],
                        f"disagrees with an earlier row of account {row[0]}")
        tn, status = row[13], _STATUS.get(row[14])
        if not _TN.fullmatch(tn):
            raise _fail(self.path, n, "tn", tn, "is not a 10-digit NANP number")
        if status is None:
            raise _fail(self.path, n, "tn_status", row[14],
                        f"is not one of {'|'.join(TN_IMPORT_STATUSES)}")
        if tn in self.seen:
            raise _fail(self.path, n, "tn", tn, "appears twice in the file")
        self.seen.add(tn)
        self.tns.append((tn, first[0], status))


def import_accounts(session: Session, path: str, *, states: frozenset[str],
                    passcode_key: PasscodeKey,
                    progress: Callable[[int], None] | None = None) -> int:
    """Load accounts and TNs from CSV, all or nothing; existing accounts are replaced."""
    return load_accounts(session, csv_rows(path, ACCOUNT_COLUMNS), states=states, source=path,
                         progress=progress, passcode_key=passcode_key)


def load_accounts(session: Session, rows: Rows, *, states: frozenset[str],
                  passcode_key: PasscodeKey, source: str = "accounts",
                  progress: Callable[[int], None] | None = None) -> int:
    """Check every row (values of ACCOUNT_COLUMNS, as strings), then bulk-load them.

    Existing accounts named by the rows are replaced with their TNs; returns the TN rows.
    """
    content = _AccountFile(source, states)
    add = content.add
    collecting = gc.isenabled()
    gc.disable()  # millions of new rows, no cycles: the cyclic GC would rescan them all again
    try:
        for count, (n, row) in enumerate(rows, start=1):
            add(n, row)
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        accounts, tns = content.accounts, content.tns
        content.seen.clear()
        tns.sort()  # in key order: index inserts append instead of landing at random
        _load(session, accounts, tns, _hashed_passcodes(accounts, passcode_key))
    finally:
        if collecting:
            gc.enable()
    if progress:
        progress(len(tns))
    return len(tns)


def _hashed_passcodes(accounts: dict[str, Sequence[str]], key: PasscodeKey) -> dict[str, str]:
    """Hash the file's passcodes with the keyed slow scheme (§1.3.3); scrypt releases the GIL,
    so the hashes are made on every core."""
    clear = {number: row[18] for number, row in accounts.items() if row[18]}
    if not clear:
        return {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashed = pool.map(lambda passcode: hash_passcode(passcode, key), clear.values())
        return dict(zip(clear, hashed, strict=True))


def _load(session: Session, accounts: dict[str, Sequence[str]],
          tns: list[tuple[str, str, str]], passcodes: dict[str, str]) -> None:
    empty = session.scalar(sa.select(Account.account_number).limit(1)) is None
    if not empty:
        _replace(session, list(accounts), [row[0] for row in tns])
    connection = session.connection()
    rebuild = len(tns) >= REBUILD_MIN_ROWS and _small(session, len(tns))
    with rebuilt_indexes(connection, [Account.__table__, Tn.__table__], rebuild):
        load_rows(connection, Account.__table__, list(_ACCOUNT_DB_COLUMNS),
                  (_account_values(accounts[key], passcodes.get(key)) for key in sorted(accounts)))
        load_rows(connection, Tn.__table__, ["tn", "account_number", "status"], tns)


def _small(session: Session, loading: int) -> bool:
    """Rebuilding indexes pays when the table holds at most 4x the rows being loaded."""
    return session.scalar(sa.select(sa.func.count()).select_from(Tn)) <= 4 * loading


_ACCOUNT_DB_COLUMNS = ACCOUNT_LEVEL[:13] + ("service_class", "une", "resale_spid",
                                           "passcode_hash", "port_freeze", "contact_email")


def _account_values(r: Sequence[str], passcode_hash: str | None) -> tuple:
    # r is the account's first row: 13 identity/address values, tn, status, then the rest
    return (*r[:13], r[15], r[16] == "Y", r[17] or None, passcode_hash, r[19] == "Y",
            r[20] or None)


def _replace(session: Session, account_numbers: list[str], tn_list: list[str]) -> None:
    """Delete the rows the file replaces."""
    for start in range(0, max(len(tn_list), len(account_numbers)), 5000):
        chunk_tns, chunk_accounts = tn_list[start:start + 5000], account_numbers[start:start + 5000]
        if chunk_tns:
            session.execute(sa.delete(Tn).where(Tn.tn.in_(chunk_tns)))
        if chunk_accounts:
            session.execute(sa.delete(Tn).where(Tn.account_number.in_(chunk_accounts)))
            session.execute(sa.delete(Account).where(Account.account_number.in_(chunk_accounts)))


def import_escalations(session: Session, path: str, *, states: frozenset[str]) -> int:
    """Load escalation contacts, replacing those of the states named in the file."""
    return load_escalations(session, csv_rows(path, ESCALATION_COLUMNS), states=states,
                            source=path)


def load_escalations(session: Session, rows: Rows, *, states: frozenset[str],
                     source: str = "escalations") -> int:
    """Check escalation rows (values of ESCALATION_COLUMNS) and replace their states' ladders."""
    found: dict[tuple[str, int], dict] = {}
    for n, r in rows:
        if len(r) != len(ESCALATION_COLUMNS):
            raise _fail(source, n, "(row)", ",".join(r), "has the wrong number of fields")
        r = [v.strip() for v in r]
        if r[0].upper() not in states:
            raise _fail(source, n, "state", r[0], "is not a state the carrier serves")
        if not r[1].isdigit() or int(r[1]) < 1:
            raise _fail(source, n, "level", r[1], "is not a level 1, 2, 3…")
        for index in (2, 4, 5):
            if not r[index]:
                raise _fail(source, n, ESCALATION_COLUMNS[index], r[index], "is empty")
        if "@" not in r[4]:
            raise _fail(source, n, "email", r[4], "is not an email address")
        key = (r[0].upper(), int(r[1]))
        if key in found:
            raise _fail(source, n, "level", r[1], f"is given twice for {key[0]}")
        found[key] = dict(zip(ESCALATION_COLUMNS, [key[0], key[1], *r[2:]], strict=False))
    states_in_file = {state for state, _ in found}
    if states_in_file:
        session.execute(sa.delete(EscalationContact)
                        .where(EscalationContact.state.in_(states_in_file)))
    session.add_all(EscalationContact(**values) for values in found.values())
    session.flush()
    return len(found)
