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
the committing request. A checkpoint copies the WAL's pages into the database file and then
syncs the file: ~10-20 ms on the small bench database, 100+ ms on a 10 M-TN one while the OS
is still writing back a bulk import. Run inline, it fell on every 25th commit of a connection,
so on ~4 % of requests, and the p99 of 1-TN LSRs at half load was mostly that wait (full-scale
database: 20.5-22.6 ms inline, 12.7-19.0 ms on the thread). On its thread it waits for the
disk without the GIL, and the request answers.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

POLL = 0.0002  # seconds between tries while another connection writes
TIMEOUT = 10.0  # seconds, as PRAGMA busy_timeout
# a connection's commits between its checkpoints: ~40 WAL pages per 1-TN submission, so about
# the 1,000 pages of SQLite's own default, counted per connection
CHECKPOINT_EVERY = 25
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

_held_by_thread: dict[int, int] = {}  # thread id -> writer locks its connections hold
_held_guard = threading.Lock()


class WriterConnection(sqlite3.Connection):
    """A pysqlite connection that gives the writer lock back when its transaction ends."""

    writer_fd: int | None = None
    writer_thread: int | None = None
    commits = 0  # write transactions committed since this connection's last checkpoint
    database_path: str | None = None  # set by `install`, for the checkpoints' thread

    def commit(self) -> None:
        wrote = self.writer_thread is not None
        try:
            super().commit()
        finally:
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
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()
            if self.writer_fd is not None:
                os.close(self.writer_fd)
                self.writer_fd = None

    def acquire_writer(self) -> bool:
        """Wait for the writer lock (polling), unless held already or by this thread; False
        after `TIMEOUT` seconds of waiting."""
        deadline = None
        while not self.try_writer():
            now = time.monotonic()
            deadline = deadline or now + TIMEOUT
            if now >= deadline:
                return False
            time.sleep(POLL)
        return True

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
        try:
            fcntl.flock(self.writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
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
    what it can; the last connection to close checkpoints the rest, as SQLite always does)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = 0  # checkpoints run (tests wait on it)
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
        database removed meanwhile, a test's, is not made again empty)."""
        with contextlib.suppress(sqlite3.Error):
            connection = sqlite3.connect(f"{Path(self.path).as_uri()}?mode=rw", uri=True,
                                         isolation_level=None)
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                connection.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no checkpoint runs or is asked for (tests)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)


_checkpoints: dict[tuple[int, str], Checkpoints] = {}  # (process id, file): a fork starts anew
_checkpoints_guard = threading.Lock()


def checkpoints(path: str) -> Checkpoints:
    """The checkpoints of the database file `path` in this process."""
    key = (os.getpid(), path)
    with _checkpoints_guard:
        found = _checkpoints.get(key)
        if found is None:
            found = _checkpoints[key] = Checkpoints(path)
        return found


def install(engine: sa.Engine, database_path: str) -> None:
    """Give every connection of a file database the writer lock (engine made with
    `connect_args={"factory": WriterConnection}`)."""
    path = os.path.abspath(database_path)
    lock_path = f"{path}-writer"

    @event.listens_for(engine, "connect")
    def _open_lock(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, WriterConnection):
            dbapi_connection.writer_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            dbapi_connection.database_path = path
            dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")  # see `checkpoint`

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:7].upper().startswith(WRITES):
            raw = conn.connection.driver_connection
            if isinstance(raw, WriterConnection) and not raw.acquire_writer():
                # what SQLite answers after its busy timeout, as SQLAlchemy would wrap it
                raise sa.exc.OperationalError(statement, None,
                                              sqlite3.OperationalError("database is locked"))
