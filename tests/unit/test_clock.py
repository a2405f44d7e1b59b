"""The one clock: FROZEN_NOW in any ISO-8601 form with an offset, read on every call."""
from datetime import UTC, datetime

import pytest

from gateway import clock, create_app


@pytest.mark.parametrize("text", ["2026-11-23T10:00:00-08:00", "2026-11-23T18:00:00Z",
                                  "20261123T100000-0800", " 2026-11-23T10:00:00.000-08:00 "])
def test_frozen_now_accepts_iso_8601_forms_with_an_offset(text):
    assert clock.parse_instant(text) == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_a_timestamp_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="no UTC offset"):
        clock.parse_instant("2026-11-23T10:00:00")


def test_changing_frozen_now_on_a_running_app_moves_the_clock():
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True,
                      "FROZEN_NOW": "2026-11-23T10:00:00-08:00"})
    with app.app_context():
        assert clock.now() == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
        app.config["FROZEN_NOW"] = "2026-11-24T08:00:00-08:00"
        assert clock.now() == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
        app.config["FROZEN_NOW"] = None
        assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    app.extensions["portgate_db"].engine.dispose()
