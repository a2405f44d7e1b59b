"""SQLite's one writer, handed over without sleeping (issue 17).

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in SQLite's busy handler, which *sleeps* 1, 2, 5, 10, 15, 20, 25... ms between tries:
with two gunicorn workers submitting LSRs, the waiting one typically wakes several ms after
the other committed, and throughput falls below what one worker alone does.

So writers queue on an advisory lock of their own (`flock` on `<database>-writer`, one open
file per connection, so it also orders threads of one process), taken before a connection's
first write statement and released as soon as its transaction commits or rolls back. The
waiter polls the lock every `POLL` seconds, so it starts within a fraction of a millisecond of
the release; after `TIMEOUT` seconds (SQLite's own busy timeout) it gets SQLite's answer,
"database is locked", as it would have from SQLite's handler. A thread never waits for a lock
its own other connection holds (it goes straight to SQLite, which then answers "database is
locked" after the busy timeout instead of waiting forever).

Only statements that take SQLite's write lock ask for it: INSERT, UPDATE, DELETE, REPLACE
and DDL. Reads never wait. In-memory databases (one connection) do not use it. A caller may
also ask for the lock without waiting before it writes (`try_writer`, `db.writer_busy`: a new
order is decided under the lock when it is free, and during the wait when it is not).

The WAL is checkpointed after the lock is given back. SQLite's automatic checkpoint runs inside
the COMMIT that pushes the WAL past 1,000 pages, so the writer that made it held the lock for
it too: one commit in ~25 took 5-11 ms instead of 0.2 (measured on the bench's database, over
half of all commit time), while the other workers waited. Connections of this class turn that
off (`wal_autocheckpoint = 0`) and run the same PASSIVE checkpoint themselves every
`CHECKPOINT_EVERY` commits, once the next writer may already be writing (a PASSIVE checkpoint
never blocks writers or readers; it copies what it can and leaves the rest for the next one).

The checkpoint runs on a thread of its own, on a connection of its own (`Checkpoints`), not in
the committing request. When the WAL has grown past `RESTART_FRAMES` it checkpoints once more
under the writer lock, so that the WAL starts again and stays bounded (`Checkpoints`).

A checkpoint copies the WAL's pages into the database file and then syncs the file: ~10-20 ms
on the small bench database, 100+ ms on a 10 M-TN one while the OS is still writing back a bulk
import. Run inline, it fell on every 25th commit of a connection, so on ~4 % of requests, and
the p99 of 1-TN LSRs at half load was mostly that wait (full-scale database: 20.5-22.6 ms
inline, 12.7-19.0 ms on the thread). On its thread it waits for the disk without the GIL, and
the request answers.

Each write transaction also leaves a line in a commit log the connections share (`CommitLog`:
the `<database>-writer` file, mapped into memory), written under the writer lock just before
its COMMIT: either "anything may have changed" or a Bloom filter of the keys it changed. A new
order decided while another connection writes (`submit.decide_early`) notes the log's position
before its facts statement runs; once it holds the lock it asks whether every transaction
logged since changed only other keys (`unchanged_since`), and only if one did not does it read
its facts again under the lock (issue 17: that second read was ~0.17 ms of a ~0.9 ms lock span,
and lock-held time is what two workers on one file wait for). A transaction logs keys only when
all its writes ran inside `keyed` scopes (the LSR submission's, which declare the order's TNs
and accounts); any other write makes its line "anything", and so does every transaction that
never opened a scope: staff actions, imports, the worker, migrations.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import mmap
import os
import re
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

POLL = 0.0002  # seconds between tries while another connection writes
TIMEOUT = 10.0  # seconds, as PRAGMA busy_timeout
# a connection's commits between its checkpoints (~24 WAL pages per 1-TN FOC: ~2,400 pages, a
# few times SQLite's own 1,000). Each checkpoint copies the pages changed since the last one,
# and an FOC changes mostly the same pages (the indexes' newest leaves): every 100 commits
# instead of 25, two workers served 629-669 FOC/s against 598-620, five interleaved pairs
CHECKPOINT_EVERY = 100
# WAL frames (4 KB pages) past which a checkpoint copies the rest while it holds the writer
# lock, so that the next write transaction starts the WAL again from its beginning: without
# it, under a steady load the WAL never starts again and grows by ~200 KB per FOC, for ever
# (see `Checkpoints`). 64 MB, ~300 1-TN FOCs: the locked checkpoint holds the lock ~8-16 ms
# (its copy and the file's sync), so writers wait that long about once in 300 FOCs
RESTART_FRAMES = 16384
WAL_SIZE_LIMIT = 128 * 1024 * 1024  # bytes: a WAL file larger is cut back when it restarts
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)

_held_by_thread: dict[int, int] = {}  # thread id -> writer locks its connections hold
_held_guard = threading.Lock()

# the commit log's layout: magic, the count of lines written, then SLOTS lines in a ring, each
# its number, its flags and a Bloom filter of BLOOM_BITS bits over the keys it changed
LOG_MAGIC = b"PGWLOG01"
LOG_SLOTS = 256
BLOOM_BITS = 1024
_HEADER = struct.Struct("<8sQ")
_LINE = struct.Struct(f"<QQ{BLOOM_BITS // 8}s")
_LINE_HEAD = struct.Struct("<QQ")  # a line's number and flags
LOG_SIZE = _HEADER.size + LOG_SLOTS * _LINE.size
_ANYTHING = 1  # a line's flag: the transaction may have changed anything
_COMMITTED = 2  # a line's flag: its COMMIT has returned


def key_bits(key: str) -> int:
    """The key's three bits in a line's Bloom filter, from a CRC-32 of it (the same in every
    process, as Python's own `hash` of a str is not; a collision only costs a second look)."""
    h = zlib.crc32(key.encode())
    mask = BLOOM_BITS - 1
    return (1 << (h & mask)) | (1 << ((h >> 10) & mask)) | (1 << ((h >> 20) & mask))


class CommitLog:
    """The write transactions committed on one database file, as the connections that share
    its writer lock logged them (see the module's doc). Lines are written and read under the
    writer lock; only `position` is read without it."""

    def __init__(self, fd: int) -> None:
        if os.fstat(fd).st_size < LOG_SIZE:
            os.ftruncate(fd, LOG_SIZE)  # zeros: no line yet (every process grows it alike)
        self.map = mmap.mmap(fd, LOG_SIZE)
        if self.map[:8] == b"\0" * 8:
            self.map[:8] = LOG_MAGIC

    def close(self) -> None:
        self.map.close()

    def _count(self) -> int | None:
        magic, count = _HEADER.unpack_from(self.map, 0)
        return count if magic == LOG_MAGIC else None

    def _slot(self, number: int) -> int:
        return _HEADER.size + (number % LOG_SLOTS) * _LINE.size

    def position(self) -> int | None:
        """The first line a read that begins now may not have seen (None: a log of another
        layout): the next line to be written, or the last one written if its COMMIT has not
        returned yet (its transaction may still commit after the read began). Read without
        the lock, so again until the count reads the same before and after."""
        while True:
            count = self._count()
            if count is None:
                return None
            found, flags = _LINE_HEAD.unpack_from(self.map, self._slot(count))
            if self._count() == count:
                done = count == 0 or (found == count and flags & _COMMITTED)
                return count + 1 if done else count

    def write(self, keys: Iterable[str] | None) -> int | None:
        """Log the transaction about to commit (the caller holds SQLite's write lock): the keys
        it changed, or None for "anything"; answer the line's number, for `committed`. Written
        before the COMMIT: a commit that then fails leaves a line too much, which only costs a
        reader a second look."""
        count = self._count()
        if count is None:
            return None
        bloom, flags = 0, _ANYTHING
        if keys is not None:
            flags = 0
            for key in keys:
                bloom |= key_bits(key)
        number = count + 1
        _LINE.pack_into(self.map, self._slot(number), number, flags,
                        bloom.to_bytes(BLOOM_BITS // 8, "little"))
        _HEADER.pack_into(self.map, 0, LOG_MAGIC, number)
        return number

    def committed(self, number: int) -> None:
        """The line's COMMIT has returned (a line never marked, its writer gone between the
        two, is read as one that may have committed after any read: safe)."""
        found, flags = _LINE_HEAD.unpack_from(self.map, self._slot(number))
        if found == number:
            struct.pack_into("<Q", self.map, self._slot(number) + 8, flags | _COMMITTED)

    def unchanged_since(self, mark: int | None, keys: Iterable[str]) -> bool:
        """Whether every transaction logged from line `mark` on (a `position` taken before a
        read) changed none of `keys` (the caller holds the writer lock, so every one of them
        has committed or rolled back). False when one may have, when a line was written over
        since (more than LOG_SLOTS commits), or when the log is of another layout."""
        count = self._count()
        if mark is None or count is None or count + 1 < mark or count + 1 - mark > LOG_SLOTS:
            return False
        wanted = [key_bits(key) for key in keys]
        for number in range(mark, count + 1):
            found, flags, raw = _LINE.unpack_from(self.map, self._slot(number))
            if found != number or flags & _ANYTHING:
                return False
            bloom = int.from_bytes(raw, "little")
            if any(bloom & bits == bits for bits in wanted):
                return False
        return True


class WriterConnection(sqlite3.Connection):
    """A pysqlite connection that gives the writer lock back when its transaction ends."""

    writer_fd: int | None = None
    writer_thread: int | None = None
    commits = 0  # write transactions committed since this connection's last checkpoint
    database_path: str | None = None  # set by `install`, for the checkpoints' thread
    log: CommitLog | None = None  # set by `install`
    # the transaction's keys, logged at its commit: None until a `keyed` scope opens in it;
    # `unkeyed_write`: it wrote outside any scope (then its line says "anything")
    txn_keys: set[str] | None = None
    unkeyed_write = False
    scopes = 0  # `keyed` scopes open now

    changes_logged = 0  # `total_changes` when this connection's last transaction ended

    def commit(self) -> None:
        # a transaction that wrote holds SQLite's own write lock until its COMMIT, so lines
        # are written one at a time even by a write that never asked for Portgate's lock (a
        # driver-level one: it shows in the rows this connection changed)
        line = None
        if self.log is not None and (self.writer_thread is not None
                                     or self.total_changes != self.changes_logged):
            line = self.log.write(None if self.unkeyed_write else self.txn_keys)
        self.txn_keys, self.unkeyed_write = None, False
        wrote = self.writer_thread is not None
        try:
            super().commit()
            if line is not None and self.log is not None:
                self.log.committed(line)
        finally:
            self.changes_logged = self.total_changes
            self.release_writer()
        if wrote:
            self.commits += 1
            if self.commits >= CHECKPOINT_EVERY:
                self.checkpoint()

    def checkpoint(self) -> None:
        """Ask for a PASSIVE checkpoint of the WAL, outside the writer lock and off this
        thread (`Checkpoints`; see the module's doc)."""
        self.commits = 0
        if self.database_path is not None:
            checkpoints(self.database_path).request()

    def rollback(self) -> None:
        self.txn_keys, self.unkeyed_write = None, False
        try:
            super().rollback()
        finally:
            self.changes_logged = self.total_changes
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()
            if self.log is not None:
                self.log.close()
                self.log = None
            if self.writer_fd is not None:
                os.close(self.writer_fd)
                self.writer_fd = None

    @contextlib.contextmanager
    def keyed(self, keys: Iterable[str]) -> Iterator[set[str]]:
        """Within the block, this transaction's writes change only what is filed under `keys`
        (and under the keys the caller adds to the set answered, before the block ends); see
        the module's doc. A write outside every such block makes the transaction's line
        "anything"."""
        if self.txn_keys is None:
            self.txn_keys = set()
        self.txn_keys.update(keys)
        self.scopes += 1
        try:
            yield self.txn_keys
        finally:
            self.scopes -= 1

    def wrote(self) -> None:
        """A write statement is about to run (`install`'s hook)."""
        if not self.scopes:
            self.unkeyed_write = True

    def unchanged_since(self, mark: int | None, keys: Iterable[str]) -> bool:
        """Whether no transaction committed since `mark` (`CommitLog.position`) changed any of
        `keys`; asked while this connection holds the writer lock, else the answer is False."""
        if self.log is None or self.writer_thread is None:
            return False
        return self.log.unchanged_since(mark, keys)

    def acquire_writer(self) -> bool:
        """Wait for the writer lock (polling), unless held already or by this thread; False
        after `TIMEOUT` seconds of waiting."""
        return _polled(self.try_writer)

    def try_writer(self) -> bool:
        """Take the writer lock if it is free now, without waiting: False while another
        connection writes. (True too when this connection or this thread holds it already.)
        A connection that takes it before its first write keeps it until its transaction
        ends, as one that took it for the write: the pool's rollback at check-in ends it."""
        if self.writer_thread is not None or self.writer_fd is None:
            return True
        me = threading.get_ident()
        if _held_by_thread.get(me):
            return True  # this thread's other connection writes: do not wait on ourselves
        if not _try_flock(self.writer_fd):
            return False
        self.writer_thread = me
        with _held_guard:
            _held_by_thread[me] = _held_by_thread.get(me, 0) + 1
        return True

    def release_writer(self) -> None:
        owner, self.writer_thread = self.writer_thread, None
        if owner is None or self.writer_fd is None:
            return
        fcntl.flock(self.writer_fd, fcntl.LOCK_UN)
        with _held_guard:
            left = _held_by_thread.get(owner, 1) - 1
            if left:
                _held_by_thread[owner] = left
            else:
                _held_by_thread.pop(owner, None)


class Checkpoints:
    """The PASSIVE checkpoints of one database file in this process, run one at a time by a
    short-lived thread on a connection of its own; a request made while one runs makes it run
    once more when it ends. A failure is left for the next one (a PASSIVE checkpoint copies
    what it can; the last connection to close checkpoints the rest, as SQLite always does).

    The WAL is kept from growing for ever. SQLite writes a transaction's pages at the WAL's
    beginning again only when the last checkpoint copied every frame and the write
    transaction began after it (its snapshot then reads nothing from the WAL). A checkpoint
    that runs while writers go on appending never copies every frame, so under a steady load
    the WAL only grew (measured: ~440 MB per 5-second run of 1-TN LSRs, 2.3 GB after five).
    So when a checkpoint leaves more than `RESTART_FRAMES` frames in the WAL, it takes the
    writer lock and checkpoints again: with no writer appending it copies the few frames
    written meanwhile (readers never wait, as in any PASSIVE checkpoint), and the next write
    transaction, which begins once it holds the lock, starts the WAL again. Every connection
    sets `journal_size_limit`, so a WAL file that grew past `WAL_SIZE_LIMIT` is cut back then.
    A reader still on an older snapshot can keep frames from being copied: then it is tried
    again at the next checkpoint."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = 0  # checkpoints run (tests wait on it)
        self.completed_locked = 0  # checkpoints that copied every frame under the writer lock
        self._running = False
        self._again = False
        self._changed = threading.Condition()

    def request(self) -> None:
        with self._changed:
            if self._running:
                self._again = True
                return
            self._running = True
        try:
            threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()
        except RuntimeError:  # no new thread (the interpreter is shutting down): the next one
            with self._changed:
                self._running = self._again = False
                self._changed.notify_all()

    def _run(self) -> None:
        while True:
            self.checkpoint_now()
            with self._changed:
                self.done += 1
                self._changed.notify_all()
                if not self._again:
                    self._running = False
                    return
                self._again = False

    def checkpoint_now(self) -> None:
        """One PASSIVE checkpoint, on a connection that never creates the file (`mode=rw`: a
        database removed meanwhile, a test's, is not made again empty); another under the
        writer lock when the WAL holds more than `RESTART_FRAMES` frames."""
        with contextlib.suppress(sqlite3.Error, OSError):
            connection = sqlite3.connect(f"{Path(self.path).as_uri()}?mode=rw", uri=True,
                                         isolation_level=None)
            try:
                _busy, frames, _copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames > RESTART_FRAMES:
                    self._checkpoint_locked(connection)
            finally:
                connection.close()

    def _checkpoint_locked(self, connection: sqlite3.Connection) -> None:
        """A PASSIVE checkpoint while this thread holds the writer lock (on a descriptor of
        its own: the requests' threads wait for it as for any writer). Not waited for longer
        than a writer would: on a timeout the next checkpoint tries again."""
        fd = os.open(f"{self.path}-writer", os.O_RDWR)
        try:
            if not _wait_for_lock(fd):
                return
            try:
                busy, frames, copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            if not busy and frames == copied:  # (busy: another process's checkpoint ran)
                self.completed_locked += 1
        finally:
            os.close(fd)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no checkpoint runs or is asked for (tests)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)


_checkpoints: dict[tuple[int, str], Checkpoints] = {}  # (process id, file): a fork starts anew
_checkpoints_guard = threading.Lock()


def _polled(attempt: Callable[[], bool]) -> bool:
    """Try `attempt` every `POLL` seconds until it succeeds (True) or `TIMEOUT` seconds have
    passed (False)."""
    deadline = None
    while not attempt():
        now = time.monotonic()
        deadline = deadline or now + TIMEOUT
        if now >= deadline:
            return False
        time.sleep(POLL)
    return True


def _try_flock(fd: int) -> bool:
    """Take the writer lock on this descriptor if it is free now (False if not)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait_for_lock(fd: int) -> bool:
    """Take the writer lock on this descriptor, waiting as a writer does (`_polled`)."""
    return _polled(functools.partial(_try_flock, fd))


def checkpoints(path: str) -> Checkpoints:
    """The checkpoints of the database file `path` in this process."""
    key = (os.getpid(), path)
    with _checkpoints_guard:
        found = _checkpoints.get(key)
        if found is None:
            found = _checkpoints[key] = Checkpoints(path)
        return found


@functools.lru_cache(maxsize=256)
def _writes_in_cte(statement: str) -> bool:
    """Whether a statement that begins WITH writes (its text searched once: the submission's
    facts statement is 8 KB and runs on every LSR)."""
    return _WRITE_WORD.search(statement) is not None


def install(engine: sa.Engine, database_path: str) -> None:
    """Give every connection of a file database the writer lock (engine made with
    `connect_args={"factory": WriterConnection}`)."""
    path = os.path.abspath(database_path)
    lock_path = f"{path}-writer"

    @event.listens_for(engine, "connect")
    def _open_lock(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, WriterConnection):
            dbapi_connection.writer_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            dbapi_connection.log = CommitLog(dbapi_connection.writer_fd)
            dbapi_connection.database_path = path
            dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")  # see `checkpoint`
            dbapi_connection.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        head = statement.lstrip()[:7].upper()
        locks = head.startswith(WRITES)  # a CTE's write is logged as one, no lock asked
        if not locks and not (head.startswith("WITH") and _writes_in_cte(statement)):
            return
        raw = conn.connection.driver_connection
        if not isinstance(raw, WriterConnection):
            return
        if locks and not raw.acquire_writer():
            # what SQLite answers after its busy timeout, as SQLAlchemy would wrap it
            raise sa.exc.OperationalError(statement, None,
                                          sqlite3.OperationalError("database is locked"))
        raw.wrote()
