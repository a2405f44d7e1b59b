"""An API token's `last_used_at` records when it last authenticated, written at most once a
minute per token so that the hot path does not write on every request."""
import sqlalchemy as sa

from gateway.models import ApiToken
from tests.conftest import recorded_statements, set_now


def _last_used(store):
    store.expire_all()
    return store.scalar(sa.select(ApiToken.last_used_at))


def _token_updates(app, call):
    """Run call() and return the UPDATEs of api_tokens it made."""
    with recorded_statements(app) as seen:
        call()
    return [s for s in seen if s.lstrip().upper().startswith("UPDATE API_TOKENS")]


def test_a_token_records_its_last_use_at_most_once_a_minute(app, heron, store):
    assert _last_used(store) is None
    set_now(app, "2026-11-23T10:00:00-08:00")
    assert heron.get("/api/v1/lsrs").status_code == 200
    assert _last_used(store).isoformat() == "2026-11-23T18:00:00+00:00"

    set_now(app, "2026-11-23T10:00:45-08:00")  # 45 s later: no write on the hot path
    assert _token_updates(app, lambda: heron.get("/api/v1/lsrs")) == []
    assert _last_used(store).isoformat() == "2026-11-23T18:00:00+00:00"

    set_now(app, "2026-11-23T10:01:05-08:00")  # over a minute since the stored use
    assert len(_token_updates(app, lambda: heron.get("/api/v1/lsrs"))) == 1
    assert _last_used(store).isoformat() == "2026-11-23T18:01:05+00:00"


def test_a_refused_token_records_no_use(app, heron, store, cli):
    cli("user", "disable", "heron")
    assert heron.get("/api/v1/lsrs").status_code == 401
    assert _last_used(store) is None
