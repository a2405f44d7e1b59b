"""UtcDateTime on SQLite stores the text SQLAlchemy's DATETIME stores, by a faster path."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from npac.models import UtcDateTime

DIALECT = sqlite.dialect()
FAST = UtcDateTime()._cached_bind_processor(DIALECT)
GENERIC = sqlite.DATETIME().bind_processor(DIALECT)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=-10)),
                         timezone(timedelta(hours=5, minutes=30))])


# no deadline, as the suite's other property tests: an example takes microseconds, but on two
# busy cores a pause past Hypothesis's default 200 ms would fail the run as "flaky"
@settings(deadline=None)
@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=ZONES))
def test_sqlite_text_of_an_aware_time_is_sqlalchemys_datetime_text_in_utc(value):
    assert FAST(value) == GENERIC(value.astimezone(UTC).replace(tzinfo=None))


def test_sqlite_text_keeps_whole_seconds_microseconds():
    assert FAST(datetime(2026, 12, 6, 9, 0, tzinfo=UTC)) == "2026-12-06 09:00:00.000000"
    assert FAST(None) is None


def test_a_naive_time_is_refused_on_the_fast_path_too():
    with pytest.raises(ValueError, match="naive"):
        FAST(datetime(2026, 12, 6, 9, 0))
