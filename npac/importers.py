"""Import NPAC data files (api-contract §3.2): validate every row first, then bulk-load."""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter

import sqlalchemy as sa

from npac.bulk import Row, chunks, load_rows
from npac.errors import ImportFailed
from npac.models import (
    SPID_TYPES,
    NpaNxxCode,
    Spid,
    SubscriptionVersion,
    ThousandsBlock,
    table_of,
)

Progress = Callable[[int], None] | None
PROGRESS_EVERY = 100_000
REBUILD_INDEX_MIN = 200_000  # rows in tns.csv from which the active-TN index is rebuilt
ACTIVE_INDEX = "ux_npac_sv_active_tn"
INDEX_BUILD_KIB = 512 * 1024  # PostgreSQL maintenance_work_mem for that rebuild (this transaction)
SPID_COLUMNS = ("spid", "name", "type")
CODE_COLUMNS = ("npa_nxx", "spid", "lrn")
BLOCK_COLUMNS = ("npa_nxx_x", "spid", "lrn")
TN_COLUMNS = ("tn", "spid", "lrn")

_SPID = re.compile(r"[A-Z0-9]{4}")
_LRN = re.compile(r"[0-9]{10}")
_NPA_NXX = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{2}")
_NPA_NXX_X = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{3}")
_TN = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{6}")
_SPID_NAME_MAX: int = Spid.__table__.c.name.type.length  # type: ignore[attr-defined]
_ACTIVE = SubscriptionVersion.status == sa.literal("active", literal_execute=True)


def _rows(path: str, columns: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Yield (row number, values in the order of columns); the header is row 1."""
    number = 0  # the last row read; a decoding error is reported on the next one
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            order = _header(path, [name.strip() for name in next(csv.reader(handle), [])],
                            columns)
            width = len(columns)
            for number, row in enumerate(_split_lines(handle), start=2):
                if len(row) != width:
                    if not row:
                        continue
                    column = columns[len(row)] if len(row) < width else f"#{width + 1}"
                    raise ImportFailed(number, column, f"row has {len(row)} fields, the header "
                                       f"{width}", path=path)
                yield number, (tuple(row) if order is None else order(row))
    except (UnicodeDecodeError, csv.Error) as err:
        raise ImportFailed(number + 1, "*", f"unreadable at or after this row ({err}); "
                           "the file must be UTF-8 CSV", path=path) from None


def _split_lines(handle: Iterator[str]) -> Iterator[list[str]]:
    """CSV records: a line without a quote is split on commas (several times faster than the
    csv module); a line with one goes to the csv module, with the lines that follow if needed."""
    for line in handle:
        if '"' in line:
            yield next(csv.reader(chain([line], handle)), [])
        else:
            row = line.rstrip("\r\n").split(",")
            yield row if row != [""] else []


def _header(path: str, header: list[str],
            columns: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]] | None:
    """Check the header row; return how to reorder rows to columns (None: already in order)."""
    for name in columns:
        if name not in header:
            raise ImportFailed(1, name, "missing from the header", path=path)
    for name in header:
        if name not in columns or header.count(name) > 1:
            raise ImportFailed(1, name, "unexpected or repeated header column", path=path)
    return None if tuple(header) == columns else itemgetter(*map(header.index, columns))


class _Cells:
    """Per-file checks of repeated values (SPIDs, LRNs), cached so each is checked once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.spids: dict[str, int] = {}  # SPID -> first row that names it
        self.lrns: set[str] = set()

    def fail(self, row: int, column: str, value: str, message: str) -> ImportFailed:
        return ImportFailed(row, column, message, path=self.path, value=value)

    def spid(self, row: int, value: str) -> None:
        if value not in self.spids:
            if not _SPID.fullmatch(value):
                raise self.fail(row, "spid", value, "is not 4 capital letters or digits")
            self.spids[value] = row

    def lrn(self, row: int, value: str) -> None:
        if value not in self.lrns:
            if not _LRN.fullmatch(value):
                raise self.fail(row, "lrn", value, "is not a 10-digit LRN")
            self.lrns.add(value)

    def key(self, row: int, column: str, value: str, pattern: re.Pattern[str], seen: set[str],
            what: str) -> None:
        if not pattern.fullmatch(value):
            raise self.fail(row, column, value, f"is not {what}")
        if value in seen:
            raise self.duplicate(row, column, value)
        seen.add(value)

    def duplicate(self, row: int, column: str, value: str) -> ImportFailed:
        columns = {"spid": SPID_COLUMNS, "npa_nxx": CODE_COLUMNS, "npa_nxx_x": BLOCK_COLUMNS,
                   "tn": TN_COLUMNS}[column]
        first = next(n for n, r in _rows(self.path, columns) if r[0] == value)
        return self.fail(row, column, value, f"is a duplicate of row {first}")

    def require_known_spids(self, connection: sa.Connection) -> None:
        """Check in one query that every SPID named by the file is in npac_spids."""
        if not self.spids:
            return
        known = set(connection.scalars(sa.select(Spid.spid).where(Spid.spid.in_(self.spids))))
        unknown = [(row, spid) for spid, row in self.spids.items() if spid not in known]
        if unknown:
            row, spid = min(unknown)
            raise self.fail(row, "spid", spid, "is not a known SPID (import spids.csv first)")


def _tick(progress: Progress, count: int) -> None:
    if progress and count % PROGRESS_EVERY == 0:
        progress(count)


def import_spids(connection: sa.Connection, path: str, *, progress: Progress = None) -> int:
    """Load spids.csv; a SPID already known gets the file's name and type (upsert)."""
    cells, seen, rows = _Cells(path), set[str](), list[Row]()
    for n, (spid, name, type_) in _rows(path, SPID_COLUMNS):
        cells.key(n, "spid", spid, _SPID, seen, "4 capital letters or digits")
        if not name.strip():
            raise cells.fail(n, "name", name, "is empty")
        if "\x00" in name:  # PostgreSQL's text cannot hold it; SQLite would keep it
            raise cells.fail(n, "name", name, "contains a NUL character")
        if len(name.strip()) > _SPID_NAME_MAX:
            raise cells.fail(n, "name", name, f"is longer than {_SPID_NAME_MAX} characters")
        if type_ not in SPID_TYPES:
            raise cells.fail(n, "type", type_, f"is not one of {'|'.join(SPID_TYPES)}")
        rows.append((spid, name.strip(), type_))
        _tick(progress, len(rows))
    table = table_of(Spid)
    existing: set[str] = set()
    for batch in chunks(seen):
        existing.update(connection.scalars(sa.select(Spid.spid).where(Spid.spid.in_(batch))))
    if existing:
        connection.execute(
            table.update().where(table.c.spid == sa.bindparam("key"))
            .values(name=sa.bindparam("new_name"), type=sa.bindparam("new_type")),
            [{"key": s, "new_name": n, "new_type": t} for s, n, t in rows if s in existing])
    load_rows(connection, table, list(SPID_COLUMNS), (r for r in rows if r[0] not in existing))
    return _done(progress, len(rows))


def import_codes(connection: sa.Connection, path: str, *, progress: Progress = None) -> int:
    """Load codes.csv; a code already held is replaced by the file's row."""
    return _import_holders(connection, path, table_of(NpaNxxCode), CODE_COLUMNS, _NPA_NXX,
                           "a 6-digit NPA-NXX (NPA and NXX starting 2-9)", progress)


def import_blocks(connection: sa.Connection, path: str, *, progress: Progress = None) -> int:
    """Load blocks.csv; a block already held is replaced by the file's row."""
    return _import_holders(connection, path, table_of(ThousandsBlock), BLOCK_COLUMNS,
                           _NPA_NXX_X,
                           "a 7-digit NPA-NXX-X (NPA and NXX starting 2-9)", progress)


def _import_holders(connection: sa.Connection, path: str, table: sa.Table,
                    columns: tuple[str, ...], pattern: re.Pattern[str], what: str,
                    progress: Progress) -> int:
    cells, seen, rows = _Cells(path), set[str](), list[Row]()
    for n, row in _rows(path, columns):
        cells.key(n, columns[0], row[0], pattern, seen, what)
        cells.spid(n, row[1])
        cells.lrn(n, row[2])
        rows.append(row)
        _tick(progress, len(rows))
    cells.require_known_spids(connection)
    key = table.c[columns[0]]
    if connection.scalar(sa.select(key).limit(1)) is not None:
        for batch in chunks(seen):
            connection.execute(table.delete().where(key.in_(batch)))
    load_rows(connection, table, list(columns), rows)
    return _done(progress, len(rows))


def import_tns(connection: sa.Connection, path: str, *, now: datetime | None = None,
               progress: Progress = None) -> int:
    """Load tns.csv as active SVs of ported TNs; a TN's earlier active SV becomes old.

    The file is read twice (check, then load), so memory stays flat for millions of rows;
    old_spid is the block or code holder at import time.
    """
    now = now or datetime.now(UTC)
    cells, bits, count = _check_tns(path, progress)
    cells.require_known_spids(connection)
    codes, blocks = _holders(connection, list(bits))
    table = table_of(SubscriptionVersion)
    active = connection.scalar(sa.select(sa.func.count()).select_from(table).where(_ACTIVE)
                               ) if count >= REBUILD_INDEX_MIN else None
    if active or connection.scalar(sa.select(table.c.id).where(_ACTIVE).limit(1)):
        _retire_active(connection, path, now, bits, active)
    rows = ((tn, blocks.get(tn[:7]) or codes.get(tn[:6]), spid, lrn)
            for _, (tn, spid, lrn) in _rows(path, TN_COLUMNS))
    with _index_rebuilt(connection, active is not None and active <= 4 * count):
        loaded = load_rows(connection, table, ["tn", "old_spid", "new_spid", "lrn"],
                           _counted(rows, progress),
                           constants={"status": "active", "concurred": True, "created_at": now,
                                      "activated_at": now, "updated_at": now})
    return _done(progress, loaded)


def _check_tns(path: str, progress: Progress) -> tuple[_Cells, dict[str, bytearray], int]:
    """Check every row of tns.csv; return the checker, a bitmap of the TNs of each NPA-NXX
    seen and the row count."""
    cells, seen, count = _Cells(path), dict[str, bytearray](), 0
    tn_ok, spids, lrns = _TN.fullmatch, cells.spids, cells.lrns
    for n, (tn, spid, lrn) in _rows(path, TN_COLUMNS):
        if not tn_ok(tn):
            raise cells.fail(n, "tn", tn, "is not a 10-digit NANP TN")
        if spid not in spids:
            cells.spid(n, spid)
        if lrn not in lrns:
            cells.lrn(n, lrn)
        # One bit per TN, 10,000 bits per NPA-NXX: duplicate check in flat memory.
        bits = seen.get(tn[:6])
        if bits is None:
            bits = seen[tn[:6]] = bytearray(1250)
        low = int(tn[6:])
        byte, mask = low >> 3, 1 << (low & 7)
        if bits[byte] & mask:
            raise cells.duplicate(n, "tn", tn)
        bits[byte] |= mask
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return cells, seen, count


@contextmanager
def _index_rebuilt(connection: sa.Connection, rebuild: bool) -> Iterator[None]:
    """Around a large load, drop the active-TN index and build it again once (sorted build).

    Inside the caller's transaction (DDL is transactional on PostgreSQL and SQLite): on
    failure the rollback restores the index. On PostgreSQL the table stays locked until commit.
    """
    if not rebuild:
        yield
        return
    index = next(i for i in table_of(SubscriptionVersion).indexes if i.name == ACTIVE_INDEX)
    index.drop(connection)
    yield
    if connection.dialect.name == "postgresql":  # sort the whole index in memory if it can
        work_mem = connection.scalar(sa.text(
            "SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'"))
        if work_mem < INDEX_BUILD_KIB:
            connection.execute(sa.text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_KIB}kB'"))
    index.create(connection)


def _holders(connection: sa.Connection,
             prefixes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Return the code holders and block holders of these NPA-NXXs (batched queries)."""
    codes: dict[str, str] = {}
    blocks: dict[str, str] = {}
    for batch in chunks(prefixes, 1_000):
        codes.update(connection.execute(sa.select(NpaNxxCode.npa_nxx, NpaNxxCode.spid)
                                        .where(NpaNxxCode.npa_nxx.in_(batch))).tuples().all())
        keys = [p + digit for p in batch for digit in "0123456789"]
        blocks.update(connection.execute(sa.select(ThousandsBlock.npa_nxx_x, ThousandsBlock.spid)
                                         .where(ThousandsBlock.npa_nxx_x.in_(keys))).tuples().all())
    return codes, blocks


RETIRE_SCAN_MAX = 2_000_000  # up to this many active SVs, find the file's among them in memory


def _retire_active(connection: sa.Connection, path: str, now: datetime,
                   bits: dict[str, bytearray], active: int | None) -> None:
    """Make the active SVs of the file's TNs old (re-import), in batches.

    With fewer active SVs than the file has rows (or a few million at most), read the active
    TNs once and keep those the file names (its bitmaps); else go through the file's TNs.
    """
    table = table_of(SubscriptionVersion)
    if active is None or active <= RETIRE_SCAN_MAX:
        active_tns = connection.execute(sa.select(table.c.tn).where(_ACTIVE)).scalars()
        wanted = (tn for tn in active_tns if _has(bits, tn))
    else:
        wanted = (row[0] for _, row in _rows(path, TN_COLUMNS))
    for batch in list(chunks(wanted)):
        connection.execute(table.update().where(_in(connection, table.c.tn, batch), _ACTIVE)
                           .values(status="old", updated_at=now))


def _has(bits: dict[str, bytearray], tn: str) -> bool:
    block = bits.get(tn[:6])
    if block is None:
        return False
    low = int(tn[6:])
    return bool(block[low >> 3] & (1 << (low & 7)))


def _in(connection: sa.Connection, column: sa.SQLColumnExpression[str],
        values: list[str]) -> sa.ColumnElement[bool]:
    """One array parameter on PostgreSQL (fast to plan for 10,000 values), else IN (...)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.String)))
    return column.in_(values)


def _counted(rows: Iterable[Row], progress: Progress) -> Iterable[Row]:
    if progress is None:
        return rows
    return _counting(rows, progress)


def _counting(rows: Iterable[Row], progress: Callable[[int], None]) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count % PROGRESS_EVERY == 0:
            progress(count)
        yield row


def _done(progress: Progress, count: int) -> int:
    if progress:
        progress(count)
    return count
