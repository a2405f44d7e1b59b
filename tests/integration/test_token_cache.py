"""API tokens are cached per process for a second (issue 17): a hit costs no database round
trip; a disable or revoke made in this process takes effect at once, one made elsewhere (another
process, straight in the database) within the cache's second."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from gateway.db import database
from gateway.models import ApiToken, User


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _statements(app, call):
    engine = app.extensions["portgate_db"].engine
    seen: list[str] = []

    def listener(*args):
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return response, seen


def database_of(app):
    return app.extensions["portgate_db"]


def _cache(app):
    cache = app.extensions["portgate.token_cache"]
    cache.clock = Ticking()
    return cache


def test_a_cached_token_is_answered_without_reading_users_or_tokens(app, heron):
    cache = _cache(app)
    assert heron.get("/api/v1/lsrs").status_code == 200  # miss: loads and caches
    response, seen = _statements(app, lambda: heron.get("/api/v1/lsrs"))
    assert response.status_code == 200 and cache.hits >= 1
    assert not [s for s in seen if "api_tokens" in s or "FROM users" in s], seen
    # the user's partner, SPIDs and role come with it (loaded, the session's own): not read
    assert not [s for s in seen if "FROM partner" in s or "FROM roles" in s], seen


def test_disabling_a_user_in_this_process_stops_its_token_at_once(app, heron, cli):
    _cache(app)
    assert heron.get("/api/v1/lsrs").status_code == 200
    assert cli("user", "disable", "heron")[0] == 0
    assert heron.get("/api/v1/lsrs").status_code == 401


def test_a_change_made_elsewhere_takes_effect_within_a_second(app, heron):
    cache = _cache(app)
    assert heron.get("/api/v1/lsrs").status_code == 200
    session = database_of(app).sessionmaker()
    # another process: a plain connection, so no ORM event of this process sees the change
    session.connection().execute(
        sa.update(User.__table__).where(User.__table__.c.username == "heron")
        .values(disabled_at=sa.func.current_timestamp()))
    session.commit()
    session.close()
    cache.clock.now += 0.5
    assert heron.get("/api/v1/lsrs").status_code == 200  # still inside the cached second
    cache.clock.now += 0.6
    assert heron.get("/api/v1/lsrs").status_code == 401


def test_revoking_a_token_stops_it_at_once(app, heron):
    _cache(app)
    assert heron.get("/api/v1/lsrs").status_code == 200
    with app.app_context():
        with database().unit_of_work() as session:  # any service's ORM change in this process
            for token in session.scalars(sa.select(ApiToken)):
                token.revoked_at = sa.func.current_timestamp()
    assert heron.get("/api/v1/lsrs").status_code == 401
