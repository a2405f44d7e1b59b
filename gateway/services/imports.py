"""Bulk imports of carrier data: accounts (api-contract §3.1) and escalation contacts (§3.3).

`import_accounts` reads a CSV file; `load_accounts` takes the same rows from any iterable (the
demo seed generates them): both check every row the same way, then bulk-load (COPY on
PostgreSQL, batched executemany on SQLite) inside the caller's transaction — all or nothing.
"""
from __future__ import annotations

import codecs
import csv
import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, islice

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import Account, EscalationContact, Tn
from gateway.models.accounts import SERVICE_CLASSES
from npac.bulk import CopyStream, copy_text, load_rows, rebuilt_indexes
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

_TN = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{6}")  # ASCII digits: \d is any Unicode digit
_AN = re.compile(r"[A-Za-z0-9]{1,20}")
_ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")
_SPID = re.compile(r"[A-Z0-9]{4}")
_YN = ("Y", "N")
_STATUS = {s: s for s in TN_IMPORT_STATUSES}  # one string object per status for 3 M rows
_SEP = "\x1f"
NULL = "\\N"  # COPY text's NULL
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
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


def _limit(table: sa.Table, column: str) -> int:
    length = getattr(table.c[column].type, "length", None)
    assert isinstance(length, int)
    return length


# Free-text columns (no pattern or choice bounds them): their lengths, from the model
_ACCOUNT_TEXT = ("customer_name", "sano", "sasd", "sasn", "sath", "sass", "ld1", "lv1", "city",
                 "contact_email")
_ACCOUNT_LIMITS = tuple((ACCOUNT_COLUMNS.index(name), _limit(Account.__table__, name))
                        for name in _ACCOUNT_TEXT)
_ESCALATION_LIMITS = tuple((index, _limit(EscalationContact.__table__, name))
                           for index, name in enumerate(ESCALATION_COLUMNS)
                           if index > 1)  # name, title, email, phone, hours
_LEVEL = re.compile(r"[0-9]{1,9}")
PASSCODE_MAX = 16


def _check_text(path: str, n: int, r: Sequence[str], columns: Sequence[str],
                limits: Iterable[tuple[int, int]]) -> None:
    """Free-text values must fit their columns (PostgreSQL refuses longer ones; SQLite would
    keep them whole)."""
    for index, limit in limits:
        if len(r[index]) > limit:
            raise _fail(path, n, columns[index], r[index], f"is longer than {limit} characters")


def _check_nul(path: str, n: int, r: Sequence[str], columns: Sequence[str]) -> None:
    """A NUL byte in a value (PostgreSQL's text cannot hold one; SQLite would keep it)."""
    for index, value in enumerate(r):
        if "\x00" in value:
            raise _fail(path, n, columns[index], value, "contains a NUL character")


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
        (18, len(r[18]) <= PASSCODE_MAX, f"is longer than {PASSCODE_MAX} characters"),
        (19, r[19] in _YN, "is not Y or N"),
    )
    for index, ok, why in checks:
        if not ok:
            raise _fail(path, n, ACCOUNT_COLUMNS[index], r[index], why)
    _check_text(path, n, r, ACCOUNT_COLUMNS, _ACCOUNT_LIMITS)


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
        if "\x00" in joined:
            _check_nul(self.path, n, row, ACCOUNT_COLUMNS)
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
    """Load accounts and TNs from CSV, all or nothing; existing accounts are replaced.

    On PostgreSQL the file goes through `_AccountCopy` (same checks, COPY text built as the
    file is read); any row it cannot vouch for, and any bad row, sends the file to the
    row-by-row path below, which loads it or names the first bad row and column."""
    if session.connection().dialect.name == "postgresql":
        try:
            return _AccountCopy(session, path, states, passcode_key, progress).run()
        except _Unsure:
            pass  # its savepoint is rolled back: nothing of it is left
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
    """Hash the file's passcodes with the keyed slow scheme (§1.3.3)."""
    clear = {number: row[18] for number, row in accounts.items() if row[18]}
    return dict(zip(clear, _hashes(list(clear.values()), key), strict=True))


def _hashes(passcodes: list[str], key: PasscodeKey) -> list[str]:
    """The passcodes' hashes, in order; scrypt releases the GIL, so they are made on every
    core, in batches (one task per passcode costs more than a cheap hash)."""
    if not passcodes:
        return []
    batches = [passcodes[start:start + 256] for start in range(0, len(passcodes), 256)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        done = pool.map(lambda batch: [hash_passcode(p, key) for p in batch], batches)
        return [hashed for batch in done for hashed in batch]


def _load(session: Session, accounts: dict[str, Sequence[str]],
          tns: list[tuple[str, str, str]], passcodes: dict[str, str]) -> None:
    empty = session.scalar(sa.select(Account.account_number).limit(1)) is None
    existing = set() if empty else _replace(session, list(accounts), [row[0] for row in tns])
    connection = session.connection()
    rebuild = len(tns) >= REBUILD_MIN_ROWS and _small(session, len(tns))
    with rebuilt_indexes(connection, [Account.__table__, Tn.__table__], rebuild):
        load_rows(connection, Account.__table__, list(_ACCOUNT_DB_COLUMNS),
                  (_account_values(accounts[key], passcodes.get(key)) for key in sorted(accounts)
                   if key not in existing))
        if existing:
            _update_accounts(connection, [_account_values(accounts[key], passcodes.get(key))
                                          for key in sorted(existing)])
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


_ACCOUNT_COPY_COLUMNS = tuple(c for c in _ACCOUNT_DB_COLUMNS if c != "passcode_hash") + (
    "passcode_hash",)  # the hash last: a row is rendered before its passcode is hashed
_TN_LINES = re.compile(rf"(?:{_TN.pattern}\t[^\n]*\n)*")  # COPY rows of tns
_TN_COPY_COLUMNS = ("tn", "account_number", "status")
_TO_ESCAPE = re.compile(r"[\\\t\n\r]")
_FLUSH = 4096  # account rows per COPY write
_PIECE = 1 << 22  # bytes of the file decoded and split at a time
_BLOCK_LINES = 20_000  # lines parsed between progress reports and streamed blocks


def _first_row_pattern(states: frozenset[str]) -> Callable[[str], re.Match[str] | None]:
    """fullmatch of a plain first row of an account: 21 values that pass `_check_account`,
    a valid TN and status, no value with outer white space (the row-by-row path would strip
    it), no tab or backslash (COPY escapes); then an optional CR. Groups: account number,
    the line up to the TN (13 values and their commas), TN, status, the rest."""
    def text(limit: int, required: bool = False) -> str:
        """A value of at most `limit` (>= 2) characters, possibly empty unless required."""
        value = rf"[^\s,\\](?:[^,\t\\]{{0,{limit - 2}}}[^\s,\\])?"
        return value if required else f"(?:{value})?"

    limits = dict(_ACCOUNT_LIMITS)
    address = ",".join(text(limits[ACCOUNT_COLUMNS.index(name)]) for name in _ACCOUNT_TEXT[1:-1])
    choice = lambda values: "|".join(re.escape(v) for v in sorted(values))  # noqa: E731
    tn = _TN.pattern  # the checks' own patterns (none has a group: the groups below count)
    return re.compile(
        rf"(({_AN.pattern}),{tn},{text(limits[2], required=True)},{address},"
        rf"(?:{choice(states)}),{_ZIP.pattern},)({tn}),({choice(TN_IMPORT_STATUSES)})"
        rf"(,(?:{choice(SERVICE_CLASSES)}),[YN],(?:{_SPID.pattern})?,"
        rf"{text(PASSCODE_MAX)},[YN],{text(limits[20])})\r?").fullmatch


class _Unsure(Exception):
    """The COPY path cannot vouch for the file: the row-by-row path decides and names errors."""


def _check_piece(piece: bytes) -> None:
    """_Unsure for a CR alone (a line end for the csv reader), a NUL or U+001F (whole lines:
    a CR LF is never cut)."""
    if (b"\r" in piece and piece.count(b"\r") != piece.count(b"\r\n")) or b"\x00" in piece \
            or b"\x1f" in piece:  # counted only with a CR in the piece: ~0.17 s per 140 MB
        raise _Unsure


class _AccountCopy:
    """The accounts import on PostgreSQL, loading exactly what `load_accounts` would load.

    The file is read whole. A row of an account seen before is checked against that account's
    first line as text: same beginning (the 13 values before the TN), same end (the 6 after
    the status), and between them a TN and a status; its COPY row is that middle with the
    comma replaced. Other rows (an account's first, quoted rows, rows that differ in form)
    are split and checked value by value as in `_AccountFile`. The TN checks are one regex
    pass over each block of COPY text; a TN twice is found by the primary key. When the
    accounts table is empty, rows stream to the server while the file is read, so the
    server's COPY runs beside the parsing: on a large load accounts and TNs both, block by
    block (`CopyStream`), else the accounts. Anything unexpected raises _Unsure.
    """

    def __init__(self, session: Session, path: str, states: frozenset[str],
                 passcode_key: PasscodeKey, progress: Callable[[int], None] | None) -> None:
        self.session, self.path, self.states = session, path, states
        self.passcode_key, self.progress = passcode_key, progress
        # account number -> its first row's values, or that row's line if plain
        self.accounts: dict[str, list[str] | str] = {}
        # first value as in the line -> (head, tail, COPY suffix) of the account's first line,
        # for accounts whose first row was not plain
        self.forms: dict[str, tuple[str, str, str]] = {}
        self.tns: list[str] = []  # COPY rows of tns, without the newline
        self.ready: list[str] = []  # COPY rows of accounts not yet sent
        self.waiting: list[tuple[str, str]] = []  # (COPY row but its hash, passcode)
        self.write: Callable[[str], None] | None = None  # the accounts' COPY, when streaming
        self.stream: CopyStream | None = None  # accounts and TNs block by block, when streaming
        self.sent = 0  # TN rows streamed

    def run(self) -> int:
        rows, lines = self._lines()
        connection = self.session.connection()
        try:
            with self.session.begin_nested():  # a refusal rolls back to here
                return self._load(connection, rows, lines)
        except (sa.exc.IntegrityError, connection.dialect.loaded_dbapi.IntegrityError):
            raise _Unsure from None  # a TN twice (the primary key): the row-by-row path names it

    def _load(self, connection: sa.Connection, rows: int, lines: Iterator[str]) -> int:
        empty = self.session.scalar(sa.select(Account.account_number).limit(1)) is None
        if empty and rows >= REBUILD_MIN_ROWS:
            # The TNs' key, index and foreign key are dropped first. Accounts (their indexes
            # kept: the server has time for them then) and TNs stream to the server block by
            # block while the file is read, sent by a thread: the server loads one block while
            # the next is parsed. The accounts with a passcode go last, hashed while the server
            # builds the TNs' primary key and index.
            with ThreadPoolExecutor(max_workers=1) as hasher, rebuilt_indexes(
                    connection, [Tn.__table__], keys=[Tn.__table__],
                    before_foreign_keys=lambda: self._copy_waiting(connection, hashed.result())):
                with CopyStream(connection) as self.stream:
                    self._parse(lines)
                    self._stream_block()
                self.stream = None
                hashed = hasher.submit(self._hashed)
            if self.progress:
                self.progress(self.sent)
            return self.sent
        if empty:
            with copy_text(connection, Account.__table__, _ACCOUNT_COPY_COLUMNS) as write:
                self.write = write
                self._parse(lines)
                self._send_waiting(self._hashed())
            return self._load_tns(connection)
        self._parse(lines)
        self._send_waiting(self._hashed())
        existing = _replace(self.session, list(self.accounts), [row[:10] for row in self.tns])
        new, known = [], []  # a COPY row starts with its account number (letters and digits)
        for row in self.ready:
            (known if row[:row.index("\t")] in existing else new).append(row)
        self.ready.clear()
        rebuild = len(self.tns) >= REBUILD_MIN_ROWS and _small(self.session, len(self.tns))
        with rebuilt_indexes(connection, [Account.__table__, Tn.__table__], rebuild,
                             keys=[Tn.__table__]):
            if new:
                with copy_text(connection, Account.__table__, _ACCOUNT_COPY_COLUMNS) as write:
                    write("".join(new))
            if known:
                _update_from_staging(connection, _ACCOUNT_COPY_COLUMNS, "".join(known))
            return self._load_tns(connection)

    def _lines(self) -> tuple[int, Iterator[str]]:
        """The number of data lines (about: a blank or quoted line counts) and the lines, split
        at LF (a CR stays) and decoded piece by piece as the parse takes them, so that the
        server loads the first rows while the rest of the file is decoded. _Unsure, now or
        when the piece is reached: undecodable, a CR alone (a line end for the csv reader), a
        NUL or U+001F, a header that differs or has quotes, a quoted last line without an end.
        """
        with open(self.path, "rb") as handle:
            data = handle.read()
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        first = data.find(b"\n") + 1 or len(data)
        _check_piece(data[:first])
        header = data[:first].decode("utf-8", "replace").rstrip("\r\n")
        if '"' in header or tuple(h.strip() for h in header.split(",")) != ACCOUNT_COLUMNS:
            raise _Unsure
        return data.count(b"\n", first), self._pieces(data, first)

    @staticmethod
    def _pieces(data: bytes, start: int) -> Iterator[str]:
        while start < len(data):
            end = data.find(b"\n", start + _PIECE) + 1 or len(data)  # whole lines
            piece = data[start:end]
            start = end
            _check_piece(piece)
            try:
                lines = piece.decode("utf-8").split("\n")
            except UnicodeDecodeError:
                raise _Unsure from None
            if lines[-1] == "":
                lines.pop()  # the piece ends with a line end
            elif '"' in lines[-1]:
                raise _Unsure  # a quoted last line without a line end: left to the csv reader
            yield from lines

    def _parse(self, lines: Iterator[str]) -> None:
        statuses, tns, accounts, rest = _STATUS, self.tns, self.accounts, iter(lines)
        append, first_row, match = tns.append, self._first_row, _first_row_pattern(self.states)
        head = tail = sfx = "\n"  # no line starts with a line end: the first line is a new form
        cut = 1
        n = 1
        while chunk := list(islice(rest, _BLOCK_LINES)):
            here = iter(chunk)
            following = chain(here, rest)  # for a quoted value over several lines
            for line in here:
                n += 1
                if line.startswith(head) and line.endswith(tail):  # the account of the last row
                    middle = line[cut:len(line) - len(tail)]  # "tn,status"
                    if middle[10:11] == "," and middle[11:] in statuses:
                        append(middle.replace(",", sfx))
                        continue
                found = match(line)
                if found is not None and found.group(2) not in accounts:
                    head, tail, sfx = first_row(found, line)
                    cut = len(head)
                    continue
                form = self._other(n, line, following)
                if form is not None:
                    head, tail, sfx = form
                    cut = len(head)
            if self.stream is not None:
                self._stream_block()
            if self.progress:
                self.progress(self.sent + len(tns))

    def _stream_block(self) -> None:
        """Send the accounts and TNs parsed since the last block (the TNs checked first; a TN
        twice breaks the primary key when it is added again: IntegrityError)."""
        assert self.stream is not None
        text = self._tn_text()
        self.stream.send(Account.__table__, _ACCOUNT_COPY_COLUMNS, "".join(self.ready))
        self.stream.send(Tn.__table__, _TN_COPY_COLUMNS, text)
        self.sent += len(self.tns)
        self.ready.clear()
        self.tns.clear()

    def _first_row(self, found: re.Match[str], line: str) -> tuple[str, str, str]:
        """A new account's row that `_first_row_pattern` matched: its values pass
        `_check_account` and need neither stripping nor COPY escapes."""
        head, number, tn, status, rest = found.group(1, 2, 3, 4, 5)
        self.accounts[number] = line  # split only if a later row differs in form
        _, service, une, spid, passcode, freeze, email = rest.split(",")
        sfx = f"\t{number}\t"
        self.tns.append(tn + sfx + status)
        self._queue(head[:-1].replace(",", "\t"), service, une, spid, freeze, email, passcode)
        return head, line[found.end(4):], sfx

    def _other(self, n: int, line: str, rest: Iterable[str]) -> tuple[str, str, str] | None:
        """A row neither of the last row's account in its form nor a plain first row."""
        if '"' in line:  # the csv module, with the lines that follow if it spans them
            try:
                values = next(csv.reader(chain([line + "\n"], (more + "\n" for more in rest))),
                              [])
            except csv.Error:
                raise _Unsure from None
            if values and values != [""]:
                self._row(n, values, None)
            return None
        bare = line.rstrip("\r")
        if not bare:
            return None
        form = self.forms.get(bare[:bare.find(",")])
        if form is not None and line.startswith(form[0]) and line.endswith(form[1]):
            middle = line[len(form[0]):len(line) - len(form[1])]
            if middle[10:11] == "," and middle[11:] in _STATUS:
                self.tns.append(middle.replace(",", form[2]))
                return form
        return self._row(n, bare.split(","), line)

    def _row(self, n: int, row: list[str], line: str | None) -> tuple[str, str, str] | None:
        """`_AccountFile.add`, the TN checks left to `_checked_tns`; for the first row of an
        account read from an unquoted `line`, return that line's form (head, tail, suffix)."""
        if len(row) != 21:
            raise _Unsure
        joined = _SEP.join(row)
        if joined != joined.strip() or f" {_SEP}" in joined or f"{_SEP} " in joined:
            row = [v.strip() for v in row]
            joined = _SEP.join(row)
        first = self.accounts.get(row[0])
        if isinstance(first, str):  # a plain first row (values as they are), kept as its line
            first = self.accounts[row[0]] = first.rstrip("\r").split(",")
        form = None
        if first is None:
            try:
                _check_account(self.path, n, row, self.states)
            except ImportFailed:
                raise _Unsure from None
            first = self.accounts[row[0]] = row
            self._account(row, _TO_ESCAPE.search(joined) is not None)
            if line is not None:
                raw = line.split(",")  # the values as the line has them, for its form
                cut = sum(map(len, raw[:13])) + 13
                end = cut + len(raw[13]) + 1 + len(raw[14])
                form = (line[:cut], line[end:], f"\t{row[0]}\t")
                self.forms.setdefault(raw[0], form)
        elif first[:13] != row[:13] or first[15:] != row[15:]:
            raise _Unsure
        tn, status = row[13], _STATUS.get(row[14])
        if status is None or not _TN.fullmatch(tn):
            raise _Unsure
        self.tns.append(f"{tn}\t{first[0]}\t{status}")
        return form

    def _account(self, r: list[str], escape: bool) -> None:
        """The account's COPY row (its passcode is hashed later, with the others)."""
        values = [*r[:13], r[15], r[17], r[20]]
        if escape:
            values = [v.translate(_ESCAPES) for v in values]
        self._queue("\t".join(values[:13]), values[13], r[16], values[14], r[19], values[15],
                    r[18])

    def _queue(self, head: str, service: str, une: str, spid: str, freeze: str, email: str,
               passcode: str) -> None:
        """An account's COPY row from its first 13 values (tab-joined, escaped) and the rest
        as the file has them; with a passcode it waits to be hashed with the others."""
        text = "\t".join([head, service, "t" if une == "Y" else "f", spid or NULL,
                          "t" if freeze == "Y" else "f", email or NULL, ""])
        if passcode:
            self.waiting.append((text, passcode))
        else:
            self._ready(text + NULL + "\n")

    def _ready(self, row: str) -> None:
        self.ready.append(row)
        if len(self.ready) >= _FLUSH and self.write is not None:
            self.write("".join(self.ready))
            self.ready.clear()

    def _hashed(self) -> list[str]:
        return _hashes([passcode for _, passcode in self.waiting], self.passcode_key)

    def _send_waiting(self, hashed: list[str]) -> None:
        """Send (or keep, when not streaming) the COPY rows of the accounts with a passcode."""
        self.ready.extend(f"{text}{h}\n" for (text, _), h in zip(self.waiting, hashed,
                                                                 strict=True))
        self.waiting.clear()
        if self.write is not None and self.ready:
            self.write("".join(self.ready))
            self.ready.clear()

    def _copy_waiting(self, connection: sa.Connection, hashed: list[str]) -> None:
        with copy_text(connection, Account.__table__, _ACCOUNT_COPY_COLUMNS) as write:
            self.write = write
            self._send_waiting(hashed)

    def _tn_text(self) -> str:
        """The COPY text of the TN rows held, once every TN is valid (a TN twice breaks the
        primary key: IntegrityError)."""
        text = "\n".join(self.tns) + "\n" if self.tns else ""
        if not _TN_LINES.fullmatch(text):
            raise _Unsure
        return text

    def _checked_tns(self) -> str:
        """`_tn_text`, sorted (the primary key is built from rows in key order)."""
        self.tns.sort()
        return self._tn_text()

    def _load_tns(self, connection: sa.Connection) -> int:
        text, count = self._checked_tns(), len(self.tns)
        self.tns.clear()
        if text:
            with copy_text(connection, Tn.__table__, _TN_COPY_COLUMNS) as write:
                write(text)
        if self.progress:
            self.progress(count)
        return count


def _replace(session: Session, account_numbers: list[str], tn_list: list[str]) -> set[str]:
    """Delete the TNs the file replaces (its TNs wherever they are, and every TN of its
    accounts); return the file's accounts that already exist. Those are updated in place, never
    deleted: passcode failures refer to them, and what Portgate itself recorded on them (the
    §4.5 lock, the time the account closed) outlives a re-import."""
    existing: set[str] = set()
    for start in range(0, max(len(tn_list), len(account_numbers)), 5000):
        chunk_tns, chunk_accounts = tn_list[start:start + 5000], account_numbers[start:start + 5000]
        if chunk_tns:
            session.execute(sa.delete(Tn).where(Tn.tn.in_(chunk_tns)))
        if chunk_accounts:
            session.execute(sa.delete(Tn).where(Tn.account_number.in_(chunk_accounts)))
            existing.update(session.scalars(sa.select(Account.account_number)
                                            .where(Account.account_number.in_(chunk_accounts))))
    return existing


def _update_accounts(connection: sa.Connection, rows: list[tuple]) -> None:
    """Give existing accounts the file's values (rows in the order of _ACCOUNT_DB_COLUMNS):
    through a staging table and COPY on PostgreSQL, by executemany on SQLite."""
    if connection.dialect.name == "postgresql":
        _update_from_staging(connection, _ACCOUNT_DB_COLUMNS, rows)
        return
    table = Account.__table__
    statement = (sa.update(table).where(table.c.account_number == sa.bindparam("b_key"))
                 .values({name: sa.bindparam(f"b_{name}") for name in _ACCOUNT_DB_COLUMNS[1:]}))
    names = ["b_key", *(f"b_{name}" for name in _ACCOUNT_DB_COLUMNS[1:])]
    for start in range(0, len(rows), 5000):
        connection.execute(statement, [dict(zip(names, row, strict=True))
                                       for row in rows[start:start + 5000]])


_STAGING = "accounts_import"


def _update_from_staging(connection: sa.Connection, columns: Sequence[str],
                         rows: str | list[tuple]) -> None:
    """PostgreSQL: load rows of `columns` (COPY text, or value tuples) into a temporary table,
    then update the accounts they name in one statement."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{_STAGING}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {_STAGING} "
                               "(LIKE accounts INCLUDING DEFAULTS) ON COMMIT DROP")
    staging = sa.Table(_STAGING, sa.MetaData(),
                       *(sa.Column(c.name, c.type) for c in Account.__table__.columns))
    if isinstance(rows, str):
        with copy_text(connection, staging, columns) as write:
            write(rows)
    else:
        load_rows(connection, staging, list(columns), rows)
    assignments = ", ".join(f"{name} = s.{name}" for name in columns if name != "account_number")
    connection.exec_driver_sql(f"UPDATE accounts AS a SET {assignments} FROM {_STAGING} AS s "
                               "WHERE a.account_number = s.account_number")
    connection.exec_driver_sql(f"DROP TABLE {_STAGING}")


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
        _check_nul(source, n, r, ESCALATION_COLUMNS)
        if r[0].upper() not in states:
            raise _fail(source, n, "state", r[0], "is not a state the carrier serves")
        if not _LEVEL.fullmatch(r[1]) or int(r[1]) < 1:  # ASCII digits ("²" is a digit)
            raise _fail(source, n, "level", r[1], "is not a level 1, 2, 3…")
        for index in (2, 4, 5):
            if not r[index]:
                raise _fail(source, n, ESCALATION_COLUMNS[index], r[index], "is empty")
        _check_text(source, n, r, ESCALATION_COLUMNS, _ESCALATION_LIMITS)
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
