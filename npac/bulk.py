"""Fast bulk inserts: COPY on PostgreSQL, batched executemany on SQLite (no ORM objects)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

BATCH = 10_000
SQLITE_LOAD_CACHE_KIB = 256 * 1024  # page cache while loading: index inserts stay in memory
# Types psycopg writes in binary from plain Python values: text, varchar, char, bool, ints,
# floats, numeric, date, timestamp, timestamptz. Other columns (JSON...) use text COPY.
_BINARY_OIDS = frozenset({25, 1043, 1042, 16, 21, 23, 20, 700, 701, 1700, 1082, 1114, 1184})
# Per-row values of these types are cheaper to parse from binary on the server (dates, times);
# rows of strings, bools and numbers only are faster as text, joined in Python.
_TEMPORAL_OIDS = frozenset({1082, 1114, 1184})
INDEX_BUILD_KIB = 512 * 1024  # PostgreSQL maintenance_work_mem for index rebuilds
Row = tuple[Any, ...]  # one row's values, in the order of the columns loaded
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def chunks(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """Yield lists of at most size items."""
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def _defaults(table: sa.Table, given: list[str]) -> dict[str, Any]:
    """Python-side column defaults (scalars and callables) of the columns not given."""
    found: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.key in given or default is None or column.primary_key:
            continue
        if isinstance(default, ScalarElementColumnDefault):
            found[column.key] = default.arg
        elif isinstance(default, CallableColumnDefault):
            # No statement is running: the defaults used with bulk loads ignore the context.
            found[column.key] = default.arg(None)  # type: ignore[arg-type]
    return found


def _processors(connection: sa.Connection, table: sa.Table,
                columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    dialect = connection.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def _processed(rows: Iterable[Row], processors: list[Callable[[Any], Any] | None]
               ) -> Iterable[Row]:
    if not any(processors):
        return rows
    return (tuple([p(v) if p else v for p, v in zip(processors, row, strict=True)]) for row in rows)


def load_rows(connection: sa.Connection, table: sa.Table, columns: list[str],
              rows: Iterable[Row], *, constants: Mapping[str, Any] | None = None,
              batch_size: int = BATCH) -> int:
    """Insert rows (tuples in the order of columns) inside the caller's transaction.

    Values go through the columns' bind processors (TypeDecorators, dates on SQLite); constants
    are columns with one value for every row, processed once; other columns with a Python-side
    default get it, evaluated once per call. Returns the number of rows.
    """
    constants = {**_defaults(table, [*columns, *(constants or {})]), **(constants or {})}
    const_names = list(constants)
    tail = tuple(p(v) if p else v for p, v in zip(_processors(connection, table, const_names),
                                                   constants.values(), strict=True))
    data = _processed(rows, _processors(connection, table, columns))
    if not connection.in_transaction():
        connection.begin()  # the rows belong to the caller's transaction, which it commits
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in [*columns, *const_names])
    target = preparer.format_table(table)
    if connection.dialect.name == "postgresql":
        sql = f"COPY {target} ({names}) FROM STDIN"
        oids = _column_oids(connection, target, [table.c[n].name for n in [*columns, *const_names]])
        if set(oids) <= _BINARY_OIDS and set(oids[:len(columns)]) & _TEMPORAL_OIDS:
            return _copy_binary(connection, f"{sql} (FORMAT BINARY)", data, oids, tail)
        return _copy_text(connection, sql, data, len(columns), tail)
    marks = ", ".join("?" * (len(columns) + len(const_names)))
    data = data if not tail else (row + tail for row in data)
    return _executemany(connection, f"INSERT INTO {target} ({names}) VALUES ({marks})", data,
                        batch_size)


class _TextCopy:
    """Render values in COPY text format (psycopg's dumpers for types not handled here)."""

    def __init__(self, cursor: Any) -> None:
        from psycopg.adapt import PyFormat, Transformer

        self._transformer, self._format = Transformer(cursor), PyFormat.TEXT

    def text(self, value: Any) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, str):
            return value.translate(_ESCAPES)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, (int, float, Decimal, date, datetime, time)):
            return str(value)
        dumped = self._transformer.get_dumper(value, self._format).dump(value)
        if dumped is None:  # the dumper wrote the value as NULL
            return "\\N"
        return bytes(dumped).decode().translate(_ESCAPES)


def _column_oids(connection: sa.Connection, target: str, names: list[str]) -> list[int]:
    oids: dict[str, int] = dict(connection.exec_driver_sql(
        "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %(t)s::regclass "
        "AND attnum > 0 AND NOT attisdropped", {"t": target}).tuples().all())
    return [oids[name] for name in names]


def _driver(connection: sa.Connection) -> Any:
    """The DBAPI driver's own connection (psycopg's for COPY), which SQLAlchemy leaves untyped."""
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw


def _copy_binary(connection: sa.Connection, sql: str, data: Iterable[Row], oids: list[int],
                 tail: Row) -> int:
    count = 0
    with _driver(connection).cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(oids)
        write = copy.write_row
        for count, row in enumerate(data, start=1):  # noqa: B007 - the count is returned
            write(row + tail if tail else row)
    return count


def _copy_text(connection: sa.Connection, sql: str, data: Iterable[Row], width: int,
               tail: Row) -> int:
    count, lines = 0, []
    with _driver(connection).cursor() as cursor, cursor.copy(sql) as copy:
        render = _TextCopy(cursor).text
        fast = {id(None): "\\N", id(True): "t", id(False): "f"}.get  # singletons by identity
        end = "".join("\t" + render(v) for v in tail) + "\n"
        tabs = width - 1
        for row in data:
            try:
                line, nulls = "\t".join(row), 0  # rows of strings only: no per-value work
            except TypeError:
                line = "\t".join([v if type(v) is str else fast(id(v)) or render(v)
                                  for v in row])
                nulls = row.count(None)
            # Safe as is when the only tabs are separators and the only backslashes are NULLs.
            if line.count("\t") != tabs or line.count("\\") != nulls \
                    or "\n" in line or "\r" in line:  # rare: escape value by value
                line = "\t".join([render(v) for v in row])
            lines.append(line + end)
            count += 1
            if len(lines) == 5_000:
                copy.write("".join(lines))
                lines.clear()
        if lines:
            copy.write("".join(lines))
    return count


@contextmanager
def copy_text(connection: sa.Connection, table: sa.Table,
              columns: Sequence[str]) -> Iterator[Callable[[str], None]]:
    """A PostgreSQL `COPY table (columns) FROM STDIN` in text format, in the caller's
    transaction; yields the function that sends rows already rendered by the caller (values
    escaped, tab-separated, each row newline-ended). An exception inside aborts the COPY."""
    missing = _defaults(table, list(columns))
    if missing:
        raise ValueError(f"copy_text: give the columns with Python-side defaults: {missing}")
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    if not connection.in_transaction():
        connection.begin()
    sql = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    with _driver(connection).cursor() as cursor, cursor.copy(sql) as copy:
        yield copy.write


class CopyStream:
    """PostgreSQL COPY text for several tables, sent by a thread of its own in the order given,
    so that the server loads one block while the caller prepares the next (one COPY at a time
    on a connection: consecutive blocks of one table share a COPY statement). The caller must
    not use the connection until `close`. Blocks are rendered as for `copy_text`.
    """

    _END = None

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.blocks: queue.Queue[tuple[sa.Table, tuple[str, ...], str] | None] = \
            queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._send, name="copy-stream", daemon=True)

    def __enter__(self) -> CopyStream:
        if not self.connection.in_transaction():
            self.connection.begin()
        self.thread.start()
        return self

    def send(self, table: sa.Table, columns: Sequence[str], text: str) -> None:
        """Queue a block of rows of `table` (waits while 4 blocks are queued)."""
        if self.error is not None:
            raise self.error
        if text:
            self.blocks.put((table, tuple(columns), text))

    def close(self) -> None:
        """Wait for every block to be loaded; raise the sending thread's error, if any."""
        if self.thread.is_alive():
            self.blocks.put(self._END)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
            return
        with suppress(Exception):  # the caller's error wins (the rows sent are its transaction's)
            self.close()

    def _send(self) -> None:
        block = self.blocks.get()
        try:
            while block is not None:
                table, columns, _ = block
                with copy_text(self.connection, table, columns) as write:
                    while block is not None and block[0] is table and block[1] == columns:
                        write(block[2])
                        block = self.blocks.get()
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            self.error = err
            while block is not None:  # let the caller's puts and close go through
                block = self.blocks.get()


def _executemany(connection: sa.Connection, sql: str, data: Iterable[Row],
                 batch_size: int) -> int:
    if connection.dialect.paramstyle != "qmark":
        raise ValueError(f"load_rows loads PostgreSQL (COPY) and SQLite (executemany), not "
                         f"{connection.dialect.name}")
    count = 0
    cursor = connection.connection.cursor()
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    try:
        for batch in chunks(data, batch_size):
            cursor.executemany(sql, batch)
            count += len(batch)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.close()
    return count


@contextmanager
def rebuilt_indexes(connection: sa.Connection, tables: Sequence[sa.Table],
                    rebuild: bool = True, keys: Sequence[sa.Table] = (),
                    before_foreign_keys: Callable[[], None] | None = None) -> Iterator[None]:
    """Around a large load, drop the tables' non-unique indexes (and, on PostgreSQL, their
    foreign keys) and build them again once afterwards: one sorted build is much cheaper than
    millions of random index inserts, and re-adding a foreign key checks it in one join.
    On PostgreSQL the primary keys of `keys` (tables no foreign key refers to, whose loaded
    rows the caller has checked for duplicates) are dropped and added again the same way.
    `before_foreign_keys` runs after the index builds, before the foreign keys are added.

    DDL inside the caller's transaction: a failure rolls the indexes back with the rows. On
    PostgreSQL the tables stay locked until commit (run large loads outside busy hours).
    """
    if not rebuild:
        yield
        return
    dropped = _Dropped(connection)
    dropped.drop(tables, keys)
    yield
    dropped.restore(before_foreign_keys)


class _Dropped:
    """The keys, indexes and foreign keys `rebuilt_indexes` dropped, to add them again."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.indexes: list[sa.Index] = []
        self.fks: list[tuple[sa.Table, ReflectedForeignKeyConstraint]] = []
        self.keys: list[tuple[sa.Table, str, list[str]]] = []

    def drop(self, tables: Sequence[sa.Table], keys: Sequence[sa.Table]) -> None:
        connection, inspector = self.connection, sa.inspect(self.connection)
        for table in keys if self.postgres else ():
            key = inspector.get_pk_constraint(table.name)
            if key["name"]:
                connection.exec_driver_sql(
                    f'ALTER TABLE {_quoted(connection, table)} DROP CONSTRAINT "{key["name"]}"')
                self.keys.append((table, key["name"], key["constrained_columns"]))
        for table in tables:
            existing = {ix["name"] for ix in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if not index.unique and index.name in existing:
                    index.drop(connection)
                    self.indexes.append(index)
            if self.postgres:
                for fk in inspector.get_foreign_keys(table.name):
                    connection.exec_driver_sql(
                        f'ALTER TABLE {_quoted(connection, table)} DROP CONSTRAINT "{fk["name"]}"')
                    self.fks.append((table, fk))

    def restore(self, before_foreign_keys: Callable[[], None] | None) -> None:
        connection = self.connection
        if self.postgres:
            _raise_work_mem(connection)
        for table, name, columns in self.keys:
            key_columns = ", ".join(f'"{c}"' for c in columns)
            connection.exec_driver_sql(
                f'ALTER TABLE {_quoted(connection, table)} ADD CONSTRAINT "{name}" '
                f"PRIMARY KEY ({key_columns})")
        for index in self.indexes:
            index.create(connection)
        if before_foreign_keys:
            before_foreign_keys()
        for table, fk in self.fks:
            cols = ", ".join(f'"{c}"' for c in fk["constrained_columns"])
            refs = ", ".join(f'"{c}"' for c in fk["referred_columns"])
            connection.exec_driver_sql(
                f'ALTER TABLE {_quoted(connection, table)} ADD CONSTRAINT "{fk["name"]}" '
                f'FOREIGN KEY ({cols}) REFERENCES "{fk["referred_table"]}" ({refs})')


def _quoted(connection: sa.Connection, table: sa.Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def _raise_work_mem(connection: sa.Connection) -> None:
    """Let PostgreSQL sort a whole index in memory for this transaction, if it can."""
    work_mem = connection.exec_driver_sql(
        "SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'").scalar()
    if work_mem is not None and work_mem < INDEX_BUILD_KIB:
        connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_KIB}kB'")
