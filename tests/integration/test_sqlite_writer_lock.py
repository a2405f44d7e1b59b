"""SQLite's writers queue on Portgate's own lock (gateway.platform.sqlite_writer), so a
waiting writer starts as soon as the other commits instead of sleeping in SQLite's busy
handler; reads never wait, and a thread never waits on its own other connection."""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from gateway.db import make_engine
from gateway.platform import sqlite_writer


@pytest.fixture()
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def _hold_write(engine, started: threading.Event, release: threading.Event) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        started.set()
        release.wait(5)


def _write_in_thread(engine, value: int) -> tuple[threading.Thread, threading.Event]:
    """A thread, started, that commits one INSERT of `value`; the event is set once it has."""
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({value})")
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, done


@contextmanager
def _another_writer(engine):
    """Another thread in a write transaction until the yielded `release()` is called (or the
    block ends)."""
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write, args=(engine, started, release))
    holder.start()
    assert started.wait(5)
    try:
        yield release.set
    finally:
        release.set()
        holder.join(5)


def test_second_writer_waits_on_the_lock_and_starts_right_after_the_first_commits(
        engine, monkeypatch):
    polls: list[float] = []
    real_sleep = time.sleep

    def counted_sleep(seconds: float) -> None:
        polls.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(sqlite_writer.time, "sleep", counted_sleep)
    finished: list[float] = []

    def second() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            finished.append(time.monotonic())

    with _another_writer(engine) as release:
        writer = threading.Thread(target=second)
        writer.start()
        real_sleep(0.3)
        assert writer.is_alive(), "the second writer must wait while the first holds the lock"
        assert polls, "it waits on Portgate's lock, not in SQLite's busy handler"
        released_at = time.monotonic()
        release()
        writer.join(5)
    assert not writer.is_alive() and finished
    # within a poll or so of the release (SQLite's handler sleeps 100 ms at a time by then)
    assert finished[0] - released_at < 0.08
    assert set(polls) == {sqlite_writer.POLL}
    with engine.connect() as conn:
        assert sorted(conn.exec_driver_sql("SELECT n FROM t").scalars()) == [1, 2]


def test_readers_do_not_wait_for_a_writer(engine):
    with _another_writer(engine):
        began = time.monotonic()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        assert time.monotonic() - began < 0.5


def test_the_lock_is_given_back_on_rollback_and_on_error(engine):
    with pytest.raises(sa.exc.OperationalError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.exec_driver_sql("INSERT INTO missing_table VALUES (1)")
    assert not sqlite_writer._held_by_thread
    thread, done = _write_in_thread(engine, 3)
    assert done.wait(2), "a rolled-back writer must not keep the lock"
    thread.join()


def test_a_thread_never_waits_on_its_own_other_connection(engine, monkeypatch):
    monkeypatch.setattr(sqlite_writer, "TIMEOUT", 0.2)
    first = engine.connect()
    first.begin()
    first.exec_driver_sql("INSERT INTO t VALUES (1)")
    try:
        # the same thread writes on a second connection: SQLite answers "locked" after its
        # own busy timeout instead of the lock waiting forever
        second = sa.create_engine(engine.url, connect_args={
            "factory": sqlite_writer.WriterConnection, "timeout": 0.1})
        sqlite_writer.install(second, engine.url.database)
        began = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="locked"), second.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        assert time.monotonic() - began < 3
        second.dispose()
    finally:
        first.rollback()
        first.close()


def test_in_memory_databases_do_not_use_the_lock():
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert not isinstance(conn.connection.driver_connection, sqlite_writer.WriterConnection)
    engine.dispose()


def test_a_writer_waiting_past_the_busy_timeout_gets_database_is_locked(engine, monkeypatch):
    monkeypatch.setattr(sqlite_writer, "TIMEOUT", 0.3)
    with _another_writer(engine):
        began = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="database is locked"), \
                engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        # once, as SQLite's own handler would answer: not the lock's wait and then SQLite's
        assert 0.3 <= time.monotonic() - began < 2


def test_the_wal_is_checkpointed_after_the_writer_lock_is_given_back(engine, monkeypatch):
    """SQLite's automatic checkpoint would run inside the COMMIT, with the lock held (5-11 ms
    every ~25 submissions); the connection checkpoints itself once the lock is free."""
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 3)
    lock_free_at_checkpoint: list[bool] = []
    real_checkpoint = sqlite_writer.WriterConnection.checkpoint

    def checkpoint(self):
        other = os.open(f"{engine.url.database}-writer", os.O_RDWR)
        try:  # another connection could take the writer lock now
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(other, fcntl.LOCK_UN)
            lock_free_at_checkpoint.append(True)
        except BlockingIOError:
            lock_free_at_checkpoint.append(False)
        finally:
            os.close(other)
        real_checkpoint(self)

    monkeypatch.setattr(sqlite_writer.WriterConnection, "checkpoint", checkpoint)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    checkpoints = sqlite_writer.checkpoints(os.path.abspath(engine.url.database))
    for n in range(7):
        with engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({n})")
        assert checkpoints.wait_idle()  # the checkpoint's thread, before the next commit
    assert lock_free_at_checkpoint == [True, True]  # after the 3rd and the 6th commit
    assert checkpoints.done == 2
    with engine.connect() as conn:
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        # the WAL started again after the 6th commit's checkpoint: it holds the 7th commit's
        # frames only (the table's creation and 7 INSERTs unchecked would be 9 frames)
        assert busy == 0 and frames == copied <= 2
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 7


def test_a_slow_checkpoint_runs_on_its_own_thread_and_the_commit_does_not_wait(engine,
                                                                             monkeypatch):
    """A checkpoint syncs the database file (100+ ms on a large database while the OS writes
    back an import): the commit that asks for it answers at once, and the checkpoint runs on
    a thread of its own, on a connection of its own."""
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 1)
    release = threading.Event()
    ran_on: list[int] = []
    real = sqlite_writer.Checkpoints.checkpoint_now

    def slow(self):
        ran_on.append(threading.get_ident())
        release.wait(10)  # the disk, slow
        real(self)

    monkeypatch.setattr(sqlite_writer.Checkpoints, "checkpoint_now", slow)
    checkpoints = sqlite_writer.checkpoints(os.path.abspath(engine.url.database))
    began = time.monotonic()
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.begin() as conn:  # asks again while the first runs: one more run after it
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    assert time.monotonic() - began < 2  # neither commit waited for the checkpoint
    assert not checkpoints.wait_idle(timeout=0.2)  # still running, held by the "disk"
    release.set()
    assert checkpoints.wait_idle()
    assert checkpoints.done == 2 and len(ran_on) == 2
    assert threading.get_ident() not in ran_on
    with engine.connect() as conn:
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert busy == 0 and frames == copied  # everything committed reached the file
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2


def test_a_checkpoint_of_a_database_removed_meanwhile_does_not_make_it_again(tmp_path):
    gone = tmp_path / "gone.db"
    checkpoints = sqlite_writer.checkpoints(str(gone))
    checkpoints.request()
    assert checkpoints.wait_idle()
    assert checkpoints.done == 1 and not gone.exists()


@contextmanager
def _log_of(engine):
    fd = os.open(f"{os.path.abspath(engine.url.database)}-writer", os.O_RDWR)
    log = sqlite_writer.CommitLog(fd)
    try:
        yield log
    finally:
        log.close()
        os.close(fd)


def test_a_write_transaction_without_declared_keys_is_logged_as_changing_anything(engine):
    with _log_of(engine) as log:
        mark = log.position()
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert not log.unchanged_since(mark, ["tn:1"])
        assert log.position() == mark + 1


def test_a_keyed_transaction_is_logged_with_its_keys_only(engine):
    with _log_of(engine) as log:
        mark = log.position()
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.keyed(["tn:1"]) as declared:
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                declared.add("account:A")
        assert log.unchanged_since(mark, ["tn:2", "account:B"])
        assert not log.unchanged_since(mark, ["account:A"])
        assert not log.unchanged_since(mark, ["tn:1"])


@pytest.mark.parametrize("outside", [
    "UPDATE t SET n = 2",
    "WITH x(v) AS (SELECT 5) INSERT INTO t SELECT v FROM x",  # a write SQLite runs in a CTE
])
def test_a_write_outside_the_keyed_block_makes_the_line_anything(engine, outside):
    with _log_of(engine) as log:
        mark = log.position()
        with engine.begin() as conn:
            with conn.connection.driver_connection.keyed(["tn:1"]):
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            conn.exec_driver_sql(outside)
        assert not log.unchanged_since(mark, ["tn:2"])


def test_rolled_back_and_read_only_transactions_log_nothing(engine):
    with _log_of(engine) as log:
        mark = log.position()
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            conn.rollback()
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            conn.commit()
        assert log.position() == mark
        assert log.unchanged_since(mark, ["tn:1"])


def test_a_driver_level_write_is_logged_as_changing_anything(engine):
    """A write on the DBAPI cursor (no SQLAlchemy event, so Portgate's lock never asked for)
    still shows in the rows the connection changed, and its commit is logged."""
    with _log_of(engine) as log:
        mark = log.position()
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.cursor().executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
            assert raw.writer_thread is None
            raw.commit()
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
        assert log.position() == mark + 1
        assert not log.unchanged_since(mark, ["tn:1"])


def _wal_restarts(database: str) -> int:
    """How many times the WAL has started again from its beginning: the checkpoint sequence
    number in its header, which SQLite counts up at each restart (0 without a WAL)."""
    try:
        with open(f"{database}-wal", "rb") as wal:
            header = wal.read(16)
    except FileNotFoundError:
        return 0
    return int.from_bytes(header[12:16], "big") if len(header) == 16 else 0


@pytest.fixture()
def small_wal(monkeypatch):
    """Checkpoints every 5 commits, the locked one past 40 frames, the file cut back to 400
    pages: the production settings scaled to a test's few hundred transactions."""
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 5)
    monkeypatch.setattr(sqlite_writer, "RESTART_FRAMES", 40)
    monkeypatch.setattr(sqlite_writer, "WAL_SIZE_LIMIT", 400 * 4096)


def _pages_database(url: str):
    """An engine on a new database of the two tables the steady writes fill."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE pages (b BLOB)")
    return engine


def _write_pages(engine, worker: int, each: int) -> None:
    """`each` transactions back to back, each a row of `t` and a few pages of `pages`."""
    for n in range(each):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", (worker * each + n,))
            conn.exec_driver_sql("INSERT INTO pages VALUES (?)", (os.urandom(9000),))


def _steady_writes(engine, writers: int, each: int) -> None:
    """`writers` threads, each writing `_write_pages`."""
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            _write_pages(engine, worker, each)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures


def test_under_steady_writes_the_wal_starts_again_and_stays_bounded(tmp_path, small_wal):
    """A checkpoint that runs while writers append never copies every frame, and SQLite
    starts the WAL again only after one that did: under a steady load the WAL grew for ever
    (~200 KB per FOC). Past RESTART_FRAMES a checkpoint finishes under the writer lock, so
    the next write starts the WAL from its beginning, and the file is cut back to
    WAL_SIZE_LIMIT."""
    engine = _pages_database(f"sqlite:///{tmp_path / 'steady.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == 400 * 4096
        checkpoints = sqlite_writer.checkpoints(os.path.abspath(engine.url.database))
        _steady_writes(engine, writers=3, each=400)  # ~4 pages each: ~4,800 frames
        assert checkpoints.wait_idle()
        assert checkpoints.completed_locked >= 1
        # the WAL started again, again and again (never, without the locked checkpoint: the
        # same writes then left a WAL of ~26 MB)
        database = os.path.abspath(engine.url.database)
        assert _wal_restarts(database) >= 2
        # ... and a file grown past the limit is cut back to it when the WAL starts again
        checkpoints.checkpoint_now()
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (-1)")
        assert os.path.getsize(f"{database}-wal") <= 400 * 4096
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1201
            assert conn.exec_driver_sql("SELECT count(*) FROM pages").scalar() == 1200
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


def test_a_checkpoint_under_the_writer_lock_keeps_writers_waiting_until_it_ends(
        engine, monkeypatch):
    """The second checkpoint holds the writer lock: a writer that asks meanwhile waits for it,
    as for any other writer, and then writes at the WAL's beginning."""
    monkeypatch.setattr(sqlite_writer, "RESTART_FRAMES", 3)
    for n in range(10):
        with engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({n})")
    checkpoints = sqlite_writer.Checkpoints(os.path.abspath(engine.url.database))
    in_lock, release = threading.Event(), threading.Event()
    real = sqlite_writer._wait_for_lock

    def wait_then_hold(fd: int) -> bool:
        taken = real(fd)
        in_lock.set()
        release.wait(5)
        return taken

    monkeypatch.setattr(sqlite_writer, "_wait_for_lock", wait_then_hold)
    runner = threading.Thread(target=checkpoints.checkpoint_now)
    runner.start()
    assert in_lock.wait(5)
    other, wrote = _write_in_thread(engine, 100)
    assert not wrote.wait(0.3)  # the checkpoint holds the writer lock
    release.set()
    runner.join(5)
    other.join(5)
    assert wrote.is_set() and checkpoints.completed_locked == 1
    with engine.connect() as conn:
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert busy == 0 and frames == copied <= 2  # the WAL began again with that write
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 11


def _process_writes(url: str, worker: int, each: int) -> None:
    """A writer process of its own (forked): its own engine, `each` transactions."""
    engine = make_engine(url)
    try:
        _write_pages(engine, worker, each)
        sqlite_writer.checkpoints(os.path.abspath(engine.url.database)).wait_idle()
    finally:
        engine.dispose()


def test_two_writer_processes_keep_the_wal_bounded(tmp_path, small_wal):
    """As two gunicorn workers do: each process checkpoints on its own thread, and the one
    that finishes under the writer lock holds the other process's writers back meanwhile."""
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'procs.db'}"
    engine = _pages_database(url)
    try:
        # a connection held open meanwhile, as the server's are: the last one to close would
        # checkpoint the WAL and remove it, and its header with it
        with engine.connect() as conn:
            fork = multiprocessing.get_context("fork")
            workers = [fork.Process(target=_process_writes, args=(url, w, 400))
                       for w in range(2)]
            for process in workers:
                process.start()
            for process in workers:
                process.join(60)
            assert [p.exitcode for p in workers] == [0, 0]
            # the WAL started again and again (without the locked checkpoint: never)
            assert _wal_restarts(str(tmp_path / "procs.db")) >= 2
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 800
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
