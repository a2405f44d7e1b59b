"""SQLite's commit log (gateway.platform.sqlite_writer.CommitLog): lines of the keys each write
transaction changed, in a file the connections of every process map; a reader that noted the
log's position before a read learns whether anything logged since changed its keys."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.platform.sqlite_writer import LOG_MAGIC, LOG_SIZE, LOG_SLOTS, CommitLog


@pytest.fixture
def log(tmp_path):
    fd = os.open(tmp_path / "db-writer", os.O_RDWR | os.O_CREAT, 0o600)
    log = CommitLog(fd)
    yield log
    log.close()
    os.close(fd)


def _commit(log: CommitLog, keys) -> None:
    log.committed(log.write(keys))


def test_a_new_log_is_sized_and_stamped_and_nothing_is_logged_after_its_position(log):
    assert log.map[:8] == LOG_MAGIC and len(log.map) == LOG_SIZE
    mark = log.position()
    assert mark == 1
    assert log.unchanged_since(mark, ["tn:5035550001"])


def test_a_committed_line_of_other_keys_leaves_a_readers_keys_unchanged(log):
    mark = log.position()
    _commit(log, ["tn:5035550002", "account:777002"])
    assert log.unchanged_since(mark, ["tn:5035550001", "account:777001"])
    assert not log.unchanged_since(mark, ["tn:5035550001", "account:777002"])
    assert not log.unchanged_since(mark, ["tn:5035550002"])


def test_lines_committed_before_the_position_are_not_read(log):
    _commit(log, None)  # "anything", but committed before the reader's read began
    mark = log.position()
    assert log.unchanged_since(mark, ["tn:5035550001"])


def test_a_line_whose_commit_had_not_returned_at_the_position_is_read(log):
    """Its transaction may have committed after the reader's read began."""
    number = log.write(["tn:5035550001"])
    mark = log.position()
    log.committed(number)
    assert mark == number
    assert not log.unchanged_since(mark, ["tn:5035550001"])
    assert log.unchanged_since(mark, ["tn:5035550009"])


def test_an_unkeyed_line_changes_everything(log):
    mark = log.position()
    _commit(log, None)
    assert not log.unchanged_since(mark, ["tn:5035550001"])
    assert not log.unchanged_since(mark, [])


def test_a_position_overtaken_by_a_whole_ring_of_lines_cannot_vouch(log):
    mark = log.position()
    for n in range(LOG_SLOTS - 1):
        _commit(log, [f"tn:{n}"])
    assert log.unchanged_since(mark, ["tn:x"])
    _commit(log, ["tn:y"])
    assert log.unchanged_since(mark, ["tn:x"])  # exactly one ring: every line still there
    _commit(log, ["tn:z"])
    assert not log.unchanged_since(mark, ["tn:x"])  # the first line was written over


def test_no_mark_and_a_log_of_another_layout_cannot_vouch(log):
    assert not log.unchanged_since(None, ["tn:1"])
    mark = log.position()
    log.map[:8] = b"OTHER001"
    assert log.position() is None
    assert not log.unchanged_since(mark, ["tn:1"])
    assert log.write(["tn:1"]) is None  # nothing written into a layout it does not know


def test_two_maps_of_one_file_share_the_log(log, tmp_path):
    fd = os.open(tmp_path / "db-writer", os.O_RDWR)
    other = CommitLog(fd)
    try:
        mark = other.position()
        _commit(log, ["account:1"])
        assert not other.unchanged_since(mark, ["account:1"])
        assert other.unchanged_since(mark, ["account:2"])
    finally:
        other.close()
        os.close(fd)


@settings(max_examples=60, deadline=None)
@given(written=st.lists(st.lists(st.text(min_size=1, max_size=12), max_size=5), max_size=20),
       read=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5))
def test_a_changed_key_is_never_reported_unchanged(tmp_path_factory, written, read):
    """Bloom filters may answer "changed" for keys that were not (a second look costs only
    time), never "unchanged" for a key that was."""
    path = tmp_path_factory.mktemp("log") / "db-writer"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    log = CommitLog(fd)
    try:
        mark = log.position()
        for keys in written:
            _commit(log, keys)
        changed = {key for keys in written for key in keys}
        if changed & set(read):
            assert not log.unchanged_since(mark, read)
    finally:
        log.close()
        os.close(fd)
