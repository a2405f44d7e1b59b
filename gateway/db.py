"""Engine, sessions and the one unit of work per request (commit once at the end)."""
from __future__ import annotations

import collections
import functools
import re
import select
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import StaticPool
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as BaseResponse

from gateway.platform import json_text, sqlite_writer
from npac.models import NpacBase, UtcDateTime

# One UTC column type for both schemas (npac must not import gateway, so it lives there).
UTCDateTime = UtcDateTime

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of the gateway's own tables (NPAC tables live in npac.models)."""


METADATAS = (Base.metadata, NpacBase.metadata)


POOL_CHECKS = ("socket", "ping", "none")
PLAN_CACHE_MODES = ("force_generic_plan", "auto", "force_custom_plan")


# JSON columns' text written and read by orjson (gateway.platform.json_text, issue 17)
_JSON_TEXT = {"json_serializer": json_text.column_text,
              "json_deserializer": json_text.column_value}


def make_engine(url: str, pool_check: str = "socket",
                plan_cache_mode: str = "force_generic_plan") -> sa.Engine:
    """Create the engine with sensible pool settings and SQLite pragmas.

    `pool_check` (config DATABASE_POOL_CHECK, server databases): how a pooled connection is
    checked at checkout — "socket": its socket polled (no round trip), one the server closed
    (restart, pg_terminate_backend) is replaced before use; "ping": SQLAlchemy's pre-ping
    (one round trip per checkout); "none".

    `plan_cache_mode` (config DATABASE_PLAN_CACHE_MODE, PostgreSQL): set on every new
    connection. psycopg prepares a statement run five times on a connection; in PostgreSQL's
    "auto" mode the submission's facts statement was still planned afresh on every execution
    (its generic plan, costed for arrays of unknown length, never looked cheaper than a plan
    for one TN): ~0.6 ms of server CPU per LSR (docs/decisions.md)."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if memory:
            kwargs["poolclass"] = StaticPool
        else:  # writers queue on a lock of their own instead of SQLite's sleeping busy handler
            kwargs["connect_args"]["factory"] = sqlite_writer.WriterConnection
        engine = sa.create_engine(url, **kwargs, **_JSON_TEXT)
        event.listen(engine, "connect", _sqlite_pragmas)
        if not memory:
            sqlite_writer.install(engine, sa.engine.make_url(url).database or "")
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
        return engine
    if pool_check not in POOL_CHECKS:
        raise ValueError(f"DATABASE_POOL_CHECK must be one of {', '.join(POOL_CHECKS)}")
    if plan_cache_mode not in PLAN_CACHE_MODES:
        raise ValueError("DATABASE_PLAN_CACHE_MODE must be one of "
                         f"{', '.join(PLAN_CACHE_MODES)}")
    engine = sa.create_engine(url, pool_size=5, max_overflow=5,
                              pool_pre_ping=pool_check == "ping", **_JSON_TEXT)
    if pool_check == "socket":
        event.listen(engine, "checkout", _closed_by_server)
    event.listen(engine, "before_cursor_execute", _send_before_other_statements)
    if engine.dialect.name == "postgresql" and plan_cache_mode != "auto":
        event.listen(engine, "connect", _setting("plan_cache_mode", plan_cache_mode))
    return engine


def _setting(name: str, value: str) -> Callable[[Any, Any], None]:
    """A `connect` listener that sets a PostgreSQL run-time parameter for the connection's
    life (committed at once: the pool hands the connection out outside a transaction)."""
    sql = f"SET {name} = {value}"

    def connected(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(sql)
        dbapi_connection.commit()

    return connected


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Checkout: an idle connection has nothing to read unless the server ended it (a
    restart or pg_terminate_backend sends an error and closes the socket). Then raise
    DisconnectionError: the pool discards it and checks out a new one (up to three tries),
    so the request never sees the dead connection. A poll, not a round trip."""
    try:
        readable = select.select([dbapi_connection.fileno()], [], [], 0)[0]
    except (OSError, ValueError, AttributeError) as exc:  # closed on our side already
        raise sa.exc.DisconnectionError(str(exc)) from exc
    if readable:
        raise sa.exc.DisconnectionError("the server closed this pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin_before_savepoint(conn: sa.Connection, _name: str) -> None:
    """pysqlite opens a transaction before DML only, not before SAVEPOINT: a savepoint that
    came first (after reads) would be the transaction itself and its RELEASE would commit the
    request's work half-way. Begin the real transaction first, so RELEASE only releases."""
    raw = conn.connection.driver_connection
    if not raw.in_transaction:
        raw.execute("BEGIN")


def bound(table: sa.Table, keys: Iterable[str], suffix: str = "") -> dict[str, Any]:
    """An INSERT's or UPDATE's `.values()` for these columns, each a parameter of the column's
    type (named `<column><suffix>`), so a `Prepared` statement renders them once."""
    return {key: sa.bindparam(f"{key}{suffix}", type_=table.c[key].type) for key in keys}


T = TypeVar("T")


def unsaved(model: type[T], values: dict[str, Any]) -> T:
    """A new (transient) instance of the mapped `model` holding `values`, made as a query
    makes the objects it loads: the values go into the instance's dict, without the
    constructor's attribute events and history (issue 17: those cost ~1.2 µs a column, ~45 µs
    for an order's 37). Later changes to it are tracked as usual."""
    obj = _class_manager(model).new_instance()
    obj.__dict__.update(values)
    return obj


@functools.cache
def _class_manager(model: type) -> Any:
    """The model's instrumentation, its mappers configured first (as a constructor or a query
    would: `new_instance` alone does not)."""
    sa.orm.configure_mappers()
    return sa.inspect(model).class_manager


def as_loaded(model: type[T], values: dict[str, Any]) -> T:
    """An instance of `model` holding `values` (its primary key among them) as if read from
    its row: detached, with its identity, nothing to flush (`make_transient_to_detached`),
    ready for `Session.add`."""
    obj = unsaved(model, values)
    make_transient_to_detached(obj)
    return obj


def adopt(session: Session, obj: T) -> T:
    """Make `obj`, a transient instance holding its row as just written (its primary key among
    its values: `unsaved`), the session's persistent object, as a query registers a row it
    loads: its values without history, in the identity map under its key. What
    `make_transient_to_detached` and `Session.add` give, without `add`'s cascade walk and
    attach bookkeeping (issue 17: the order's and its version's rows on every submission). An
    identity the session holds already is refused, as `add` refuses it."""
    state = sa.inspect(obj)
    if state.session_id or state.key:
        raise sa.exc.InvalidRequestError("Given object must be transient")
    key = state.mapper._identity_key_from_state(state)
    if key in session.identity_map:
        raise sa.exc.InvalidRequestError(f"The session holds {key} already")
    if state.modified:
        state._commit_all(state.dict)
    _register(session, state, key)
    return obj


def attached_copy(session: Session, obj: T) -> T:
    """The session's persistent copy of the detached `obj` and, recursively, of the
    relationships loaded on it: what `Session.merge(obj, load=False)` gives for objects the
    session does not hold yet, made as a query makes the rows it loads (issue 17: the token
    cache's hit merged a user, its partner, SPIDs and role on every API request, ~4 % of a
    1-TN submission). An object the session holds already is merged, as before."""
    state = sa.inspect(obj)
    key = state.key
    if key is None:
        raise sa.exc.InvalidRequestError("Given object must be detached")
    parts = _loaded_parts(state.mapper)
    if key in session.identity_map or parts is None:
        return session.merge(obj, load=False)
    columns, relationships = parts
    source = state.dict
    copy = state.manager.new_instance()
    copy.__dict__.update({k: source[k] for k in columns if k in source})
    _register(session, sa.inspect(copy), key)
    for name, many in relationships:
        if name in source:
            value = source[name]
            set_committed_value(copy, name, [attached_copy(session, v) for v in value] if many
                                else None if value is None else attached_copy(session, value))
    return copy


def _register(session: Session, state: Any, key: Any) -> None:
    """Into the session's identity map as a loaded row (orm/loading.py's `_instance` does so)."""
    state.key, state.identity_token = key, key[2]
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, key)


@functools.cache
def _loaded_parts(mapper: Any) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]] | None:
    """The mapper's column attributes, and its relationships with whether each is a list; None
    when a relationship is another kind of collection (a set, a dict: left to `merge`)."""
    if any(r.uselist and r.collection_class not in (None, list) for r in mapper.relationships):
        return None
    return (tuple(a.key for a in mapper.column_attrs),
            tuple((r.key, bool(r.uselist)) for r in mapper.relationships))


def writer_busy(session: Session) -> bool:
    """Whether another connection is writing to this SQLite file database (it holds the
    writer lock, `sqlite_writer`), asked before the session's transaction writes. When the lock
    is free, this connection takes it and begins its write transaction now (BEGIN IMMEDIATE:
    the transaction its first write would have begun), and the answer is False. False as well
    for PostgreSQL, an in-memory database, or a transaction that has written already."""
    raw = _writer_connection(session)
    if raw is None or raw.in_transaction:
        return False
    if not raw.try_writer():
        return True
    raw.execute("BEGIN IMMEDIATE")
    return False


def _writer_connection(session: Session) -> sqlite_writer.WriterConnection | None:
    """The session's SQLite file connection (the writer lock's and the commit log's), or None
    (PostgreSQL, an in-memory database)."""
    raw = session.connection().connection.driver_connection
    return raw if isinstance(raw, sqlite_writer.WriterConnection) else None


def commit_mark(session: Session) -> int | None:
    """Where SQLite's commit log stands now (`sqlite_writer.CommitLog`), taken before a read
    whose facts `unchanged_since` may later vouch for; None elsewhere."""
    raw = _writer_connection(session)
    return raw.log.position() if raw is not None and raw.log is not None else None


def unchanged_since(session: Session, mark: int | None, keys: Iterable[str]) -> bool:
    """Whether no transaction committed since `mark` changed anything filed under `keys`, by
    SQLite's commit log; asked while the session's connection holds the writer lock. False
    whenever the log cannot tell (another database, no mark, an unkeyed transaction)."""
    raw = _writer_connection(session)
    return raw is not None and raw.unchanged_since(mark, keys)


@contextmanager
def keyed_writes(session: Session, keys: Iterable[str]) -> Iterator[set[str]]:
    """Within the block the session's writes change only what is filed under `keys` and the
    keys the caller adds to the set it is given (SQLite's commit log logs them for
    `unchanged_since`; elsewhere the set is kept for nobody)."""
    raw = _writer_connection(session)
    if raw is None:
        yield set(keys)
        return
    with raw.keyed(keys) as declared:
        yield declared


def flushed_connection(session: Session, models: tuple[type, ...] = ()) -> sa.Connection:
    """The session's connection for a Core or `Prepared` statement, after the flush the ORM's
    autoflush would have made before it: of any pending change, or only of these models'
    objects (a caller whose own objects are written later, by Core)."""
    pending = (*session.new, *session.dirty, *session.deleted)
    if models:
        pending = tuple(obj for obj in pending if isinstance(obj, models))
    if pending:
        session.flush()
    return session.connection()


class Prepared:
    """A Core statement of the submission hot path, rendered once per dialect and run on the
    connection's DBAPI cursor (issue 17): SQLAlchemy's execution layer costs 20-250 µs per
    statement (parameter and result bookkeeping, a result object), several times the
    database's own work for these statements. What is kept: the statement is built with Core
    (its SQL, typed parameters and result types come from SQLAlchemy's compiler), parameters
    go through the types' bind processors and results through their result processors, the
    engine's `before_cursor_execute` / `after_cursor_execute` listeners run (statement counts,
    SQLite's writer lock), and a DBAPI error is raised as SQLAlchemy's wrapper of it. The
    statement must not expand parameters (arrays or `npac.simulator.in_list` instead).

    `execute` runs in the connection's transaction and answers the rows (named tuples) the
    statement returns, or an empty list."""

    def __init__(self, statement: sa.Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Rendered] = {}

    def _for(self, dialect: sa.Dialect) -> _Rendered:
        rendered = self._by_dialect.get(dialect.name)
        if rendered is None:
            rendered = self._by_dialect[dialect.name] = _Rendered(self.statement, dialect)
        return rendered

    def execute(self, connection: sa.Connection, params: dict[str, Any] | None = None,
                ) -> list[Any]:
        return self._for(connection.dialect).execute(connection, params or {})

    def scalar(self, connection: sa.Connection, params: dict[str, Any] | None = None) -> Any:
        rows = self.execute(connection, params)
        return rows[0][0] if rows else None

    def execute_many(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        """The statement once per parameter row (the driver's `executemany`; no results)."""
        self._for(connection.dialect).execute_many(connection, rows)

    def send(self, connection: sa.Connection, params: dict[str, Any],
             on_rows: Callable[[list[Any]], None] | None = None) -> None:
        """Run a write now, or, inside `held_writes` on PostgreSQL, hold it to go with the
        block's other held writes as one statement; `on_rows` then receives its RETURNING
        rows when it is sent (at once, when it is not held)."""
        rendered = self._for(connection.dialect)
        held = connection.info.get(_HELD)
        if rendered.reads_previous and not (held and rendered.holdable):
            raise ValueError(f"a write reading {HELD_PREVIOUS} goes held, after the write it "
                             "reads (PostgreSQL, within `held_writes`)")
        if held is not None and rendered.holdable:
            if rendered.is_update and any(r.table is rendered.table and r.is_update
                                          for r, _, _ in held):
                _send_held(connection)  # two updates of a row in one statement: one is lost
                held = connection.info[_HELD]
            held.append((rendered, _as_of_now(rendered._args(params)), on_rows))
            return
        rows = rendered.execute(connection, params)
        if on_rows is not None:
            on_rows(rows)


# --- writes held to go as one statement (PostgreSQL) -------------------------------------

_HELD = "portgate.held_writes"  # Connection.info key: the writes held by `held_writes`


@contextmanager
def held_writes(session: Session) -> Iterator[None]:
    """Within the block, PostgreSQL writes made with `Prepared.send` are held and sent
    together, as one statement of data-modifying CTEs, when the block ends or before any other
    statement runs on the connection, whichever comes first (issue 17: a statement costs the
    client ~50 µs of psycopg and the server a protocol and executor round of its own; an FOC's
    five writes of the order, its version, TN index, dispute link and audit event were five).

    What runs is what would have run one by one, in the same order relative to every other
    statement: held are only INSERTs (one VALUES row, several rows RETURNING their ids, or
    INSERT … SELECT) without a WITH, and UPDATEs, never two UPDATEs of one table (of two
    updates of a row in one statement, PostgreSQL applies one); held writes do not read each
    other, but for a write that names `HELD_PREVIOUS`, which reads the rows the write held just
    before it returned (and runs only so: the notices' deliveries read the notices' new ids),
    and their JSON values are taken as they were when the write was made. A block ended by a
    database error drops them (the transaction is failed); any other exception sends them
    first, as running them one by one would have. SQLite, which has no data-modifying CTEs,
    runs every write at once."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or _HELD in connection.info:
        yield  # nothing to hold, or an outer block holds and sends
        return
    connection.info[_HELD] = []
    try:
        yield
        _send_held(connection)
    except sa.exc.DBAPIError:
        raise
    except BaseException:
        _send_held(connection)
        raise
    finally:
        connection.info.pop(_HELD, None)


def holds_writes(connection: sa.Connection) -> bool:
    """Whether `Prepared.send` holds the connection's writes now (within `held_writes`, on
    PostgreSQL)."""
    return connection.info.get(_HELD) is not None


def _as_of_now(args: list[Any]) -> list[Any]:
    """Held arguments as they are when the write is made: psycopg serializes a JSON value
    (SQLAlchemy's bind processor wraps it) only when the statement is sent, by which time the
    caller may have changed the dict or list. Made by the engine's serializer (`_JSON_TEXT`:
    SQLAlchemy gives it to psycopg's adapters, not to the wrapper)."""
    from psycopg.types.json import Json, Jsonb

    return [type(arg)((arg.dumps or json_text.column_text)(arg.obj), _verbatim)
            if isinstance(arg, Json | Jsonb) else arg for arg in args]


def _verbatim(text: str) -> str:
    return text


def _send_before_other_statements(conn: sa.Connection, *_args: Any) -> None:
    """`before_cursor_execute`: a statement that is not held sees the held writes done."""
    if conn.info.get(_HELD):
        _send_held(conn)


def _send_held(connection: sa.Connection) -> None:
    held = connection.info.get(_HELD)
    if not held:
        return
    connection.info[_HELD] = []  # the held writes' own run must not send them again
    if len(held) == 1:
        rendered, args, on_rows = held[0]
        rows = rendered.shaped(rendered._run(connection, args, False))
        if on_rows is not None:
            on_rows(rows)
        return
    combined = _combined(tuple(rendered for rendered, _, _ in held))
    args = [value for _, item_args, _ in held for value in item_args]
    row = held[0][0]._run(connection, args, False, combined)[0]
    start = 0
    for rendered, _, on_rows in held:
        width = len(rendered.keys)
        if on_rows is not None:
            values = tuple(row[start:start + width])
            if not width:
                on_rows([])
            elif rendered.many_rows:  # one array per column (NULL: no row), in id order
                on_rows(rendered.shaped(list(zip(*values, strict=True))
                                        if values[0] is not None else []))
            else:
                on_rows(rendered.shaped([values]))
        start += width


@functools.lru_cache(maxsize=64)
def _combined(parts: tuple[_Rendered, ...]) -> str:
    """The SQL of one statement running `parts` as data-modifying CTEs, selecting the columns
    they return, in order: of a one-row write its values, of a many-row INSERT one array per
    column in the order of the first (the id). A part naming `HELD_PREVIOUS` reads the rows
    the part before it returned (its CTE)."""
    ctes, columns, offset = [], [], 0
    for index, part in enumerate(parts):
        assert part.positions is not None
        if part.reads_previous and not (index and parts[index - 1].keys):
            raise ValueError(f"{HELD_PREVIOUS} read with no held write returning rows before")
        shift = offset
        sql = _DOLLAR.sub(lambda m, k=shift: f"${int(m.group(1)) + k}", part.sql)
        if part.reads_previous:
            sql = _PREVIOUS.sub(f"w{index - 1}", sql)
        ctes.append(f"w{index} AS ({sql})")
        if part.many_rows:
            order = part.keys[0]
            columns += [f"(SELECT array_agg(w{index}.{key} ORDER BY w{index}.{order}) "
                        f"FROM w{index})" for key in part.keys]
        else:
            columns += [f"(SELECT w{index}.{key} FROM w{index})" for key in part.keys]
        offset += len(part.positions)
    return f"WITH {', '.join(ctes)} SELECT {', '.join(columns) or 'NULL'}"


# the name by which a held write reads the rows the held write before it returned
HELD_PREVIOUS = "held_previous"
_PREVIOUS = re.compile(rf"\b{HELD_PREVIOUS}\b")


_DOLLAR = re.compile(r"\$(\d+)")
_QUOTED_DOLLAR = re.compile(r"'[^']*\$")  # a literal holding a $: not renumbered safely


def _single_row(statement: sa.Executable) -> bool:
    """An INSERT of one VALUES row (its RETURNING answers one row)."""
    return isinstance(statement, sa.Insert) and statement.select is None \
        and not statement._multi_values


_PYFORMAT = re.compile(r"%\(([^)]+)\)s|%%")


def _dollar_params(sql: str) -> tuple[str, list[str]]:
    """A statement rendered for psycopg (`%(name)s`) in PostgreSQL's own placeholders ($1,
    $2 ..., one per name) and the names in their order, for psycopg's `RawCursor`, which
    sends the text as it is: psycopg's conversion of `%(name)s` is cached only for
    statements shorter than 4 KB, so the 7.9 KB facts statement was parsed again on every
    run (~60 µs of client CPU each: 153-165 → 96-100 µs)."""
    order: dict[str, int] = {}

    def placeholder(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "%"
        return f"${order.setdefault(match.group(1), len(order) + 1)}"

    return _PYFORMAT.sub(placeholder, sql), list(order)


# psycopg connection -> the RawCursor its `Prepared` statements run on. A new cursor per
# statement cost ~20 µs to set up, and its dumpers for list (array) parameters were made again
# every time: a cursor keeps them (issue 17).
_RAW_CURSORS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


_Plan = list[tuple[str, str, Any, Any]]


def _parameter_plan(compiled: Any, positions: list[str] | None,
                    processors: dict[str, Any]) -> _Plan | None:
    """The statement's arguments in their positional order, each as (the bind parameter's
    key, its name in the SQL, the parameter, its type's bind processor or None): what
    `construct_params` and the processors loop work out on every call, worked out once
    (issue 17: a statement's arguments took ~33 µs, seven statements per submission; with
    the plan ~27, the rest being the types' processors).
    None (the generic path) where names are escaped or the dialect names its parameters."""
    if positions is None or compiled.escaped_bind_names:
        return None
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    if not set(positions) <= by_name.keys():
        return None
    return [(by_name[name].key, name, by_name[name], processors.get(name))
            for name in positions]


class _Rendered:
    def __init__(self, statement: sa.Executable, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("prepared statements cannot expand parameters")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("prepared statements cannot compute Python-side defaults: give "
                             f"{[c.key for c in compiled.insert_prefetch]} on every call")
        self.compiled, self.dialect = compiled, dialect
        self.sql = compiled.string
        self.positions = list(compiled.positiontup or ()) if dialect.positional else None
        self.raw_cursor: Any = None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            from psycopg import RawCursor

            self.raw_cursor = RawCursor
            self.sql, self.positions = _dollar_params(compiled.string)
        self.processors = dict(compiled._bind_processors)
        self.plan = _parameter_plan(compiled, self.positions, self.processors)
        self.keys = [column[0] for column in compiled._result_columns]
        self.result_processors = [
            (index, processor) for index, column in enumerate(compiled._result_columns)
            if (processor := column[3]._cached_result_processor(dialect, None)) is not None]
        self.row: Any = None  # the named tuple of the result's columns, on first rows
        self.table = getattr(statement, "table", None)
        self.is_update = isinstance(statement, sa.Update)
        # an INSERT of several VALUES rows RETURNING columns: held, its columns come back as
        # arrays (`_combined`), made rows again in id order (`_send_held`); the columns must
        # be scalars (an array of arrays is one array of more dimensions on PostgreSQL)
        self.many_rows = bool(self.keys) and isinstance(statement, sa.Insert) \
            and bool(statement._multi_values)
        self.reads_previous = _PREVIOUS.search(self.sql) is not None
        self.holdable = (self.raw_cursor is not None and not _QUOTED_DOLLAR.search(self.sql)
                         and isinstance(statement, sa.Insert | sa.Update)
                         and not self.sql.startswith("WITH")
                         and (not self.keys or _single_row(statement) or self.many_rows))

    def _args(self, params: dict[str, Any]) -> Any:
        if self.plan is None:
            values = self.compiled.construct_params(params)
            for key, processor in self.processors.items():
                if key in values:
                    values[key] = processor(values[key])
            return values if self.positions is None else [values[k] for k in self.positions]
        args = []
        for key, name, bind, processor in self.plan:  # as `construct_params`, then the type's
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif bind.required:
                raise sa.exc.InvalidRequestError(
                    f"A value is required for bind parameter {bind.key!r}", code="cd3x")
            else:
                value = bind.effective_value if bind.callable else bind.value
            args.append(value if processor is None else processor(value))
        return args

    def _run(self, connection: sa.Connection, args: Any, many: bool,
             combined: str | None = None) -> list[Any]:
        """Run on the DBAPI cursor; `combined`: instead, the SQL of held writes that begin
        with this one (`_combined`, one row answered)."""
        sql = combined or self.sql
        driver = connection.connection.driver_connection
        if self.raw_cursor is None:
            cursor = driver.cursor()
        else:  # one per connection, kept: a psycopg cursor's dumpers are cached in it
            cursor = _RAW_CURSORS.get(driver)
            if cursor is None or cursor.closed:
                cursor = _RAW_CURSORS[driver] = self.raw_cursor(driver)
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, sql, args, None,
                                                      many)
            (cursor.executemany if many else cursor.execute)(sql, args)
            # the compiled statement says whether it answers rows (psycopg builds a Column
            # object per result column on every `cursor.description`)
            rows = cursor.fetchall() if (self.keys or combined) and not many else []
            connection.dispatch.after_cursor_execute(connection, cursor, sql, args, None, many)
            return rows
        except self.dialect.loaded_dbapi.Error as err:
            raise sa.exc.DBAPIError.instance(sql, args, err,
                                             self.dialect.loaded_dbapi.Error,
                                             dialect=self.dialect) from err
        finally:
            if self.raw_cursor is None:
                cursor.close()

    def execute_many(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._run(connection, [self._args(row) for row in rows], True)

    def execute(self, connection: sa.Connection, params: dict[str, Any]) -> list[Any]:
        return self.shaped(self._run(connection, self._args(params), False))

    def shaped(self, rows: list[Any]) -> list[Any]:
        """The driver's rows as named tuples, through the result columns' processors."""
        if not rows:
            return []
        if self.row is None:
            self.row = collections.namedtuple("Row", self.keys, rename=True)
        make = self.row._make
        if not self.result_processors:
            return [make(row) for row in rows]
        out = []
        for row in rows:
            row = list(row)
            for index, processor in self.result_processors:
                row[index] = processor(row[index])
            out.append(make(row))
        return out


class AppSession(Session):
    """The app's sessions: `connection()` answered from memory within one transaction (issue
    17: the submission asks for it ~10 times, each ~1.6 µs of SQLAlchemy's transaction
    bookkeeping for the connection it gave the first time). A new transaction (after a
    commit, a rollback or a close) asks SQLAlchemy again; so does a call with arguments."""

    _given: tuple[Any, sa.Connection] | None = None  # (root transaction, its connection)

    def connection(self, bind_arguments: Any = None,
                   execution_options: Any = None) -> sa.Connection:
        if bind_arguments is not None or execution_options is not None:
            return super().connection(bind_arguments, execution_options)
        given = self._given  # (its transaction is never None: the call began one)
        if given is not None and given[0] is self.get_transaction() and given[0].is_active:
            return given[1]
        connection = super().connection()
        self._given = (self.get_transaction(), connection)
        return connection


class Database:
    """The engine and session factory of one app (kept in app.extensions['portgate_db'])."""

    def __init__(self, url: str, pool_check: str = "socket",
                 plan_cache_mode: str = "force_generic_plan") -> None:
        self.url = url
        self.engine = make_engine(url, pool_check, plan_cache_mode)
        self.sessionmaker = sessionmaker(bind=self.engine, class_=AppSession,
                                         expire_on_commit=False)

    def create_all(self) -> None:
        for metadata in METADATAS:
            metadata.create_all(self.engine)

    def is_empty(self) -> bool:
        return not sa.inspect(self.engine).has_table("partners")

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Run a block in one transaction: commit when it returns, roll back when it raises."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def database() -> Database:
    return current_app.extensions["portgate_db"]


def session() -> Session:
    """Return the request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


class UnitOfWorkApp(Flask):
    """The Flask app whose request's unit of work ends as soon as the view has answered: the
    request's session is committed (an answer under 400) or rolled back before the answer is
    serialized and the after-request hooks run (issue 17: on SQLite the writer's lock is held
    until the commit, and those steps were a quarter of the time an LSR held it). A view that
    returns its body as data (a dict, a list) has it serialized after the commit."""

    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Any:
        status = answer_status(rv)
        if status is None:  # a form whose status only the response tells: make it first
            rv = self.make_response(rv)
            status = rv.status_code
        body = rv[0] if isinstance(rv, tuple) else rv
        if isinstance(body, AfterCommit):
            made = end_unit_of_work(status, body.make)
            rv = (made, *rv[1:]) if isinstance(rv, tuple) else made
        else:
            end_unit_of_work(status)
        return super().finalize_request(rv, from_error_handler)


class AfterCommit:
    """A view's body made once its unit of work has committed, before its session closes
    (`UnitOfWorkApp`; issue 17: on SQLite the body of an LSR's answer was made while its
    writer's lock was held). For an answer of 400 or more it is made before the rollback,
    which would expire the objects it reads."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def answer_status(rv: Any) -> int | None:
    """The status `Flask.make_response` gives a view's return value, without making the
    response; None for forms it would have to call to know (a WSGI application)."""
    status: Any = None
    if isinstance(rv, tuple):
        if len(rv) not in (2, 3):
            return 500  # make_response refuses it: nothing is committed
        if len(rv) == 3 or (len(rv) == 2 and not isinstance(rv[1], Headers | dict | tuple
                                                               | list)):
            status = rv[1]
        rv = rv[0]
    if rv is None:
        return 500  # make_response refuses it: nothing is committed
    if status is None:
        if isinstance(rv, BaseResponse):
            return int(rv.status_code)
        if isinstance(rv, str | bytes | bytearray | dict | list | AfterCommit) \
                or hasattr(rv, "__next__"):
            return 200
        return None
    return int(status.split(None, 1)[0]) if isinstance(status, str) else int(status)


def end_unit_of_work(status: int, make: Callable[[], Any] | None = None) -> Any:
    """Commit the request's session for an answer under 400, else roll it back; close it.
    `make`: a body to make once committed (before the rollback of a refusal), answered."""
    sess = g.pop("db_session", None)
    try:
        if sess is not None and status < 400:
            sess.commit()
        made = make() if make is not None else None  # a refusal's before its rollback
        if sess is not None and status >= 400:
            sess.rollback()
    finally:
        if sess is not None:
            sess.close()
    return made


def init_app(app: UnitOfWorkApp) -> Database:
    """Bind the database to the app; the app's class ends each request's unit of work
    (`UnitOfWorkApp.finalize_request`), the teardown closes what an exception left open."""
    db = Database(app.config["DATABASE_URL"], app.config["DATABASE_POOL_CHECK"],
                  app.config["DATABASE_PLAN_CACHE_MODE"])
    app.extensions["portgate_db"] = db

    @app.teardown_appcontext
    def _close(_exc):
        sess = g.pop("db_session", None)
        if sess is not None:
            sess.rollback()
            sess.close()

    return db
