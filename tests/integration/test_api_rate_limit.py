"""The /api/v1 rate limit per partner (api-contract §1 `API_RATE_LIMIT`), counted in memory and
in Redis (`RATELIMIT_STORAGE_URI`), on SQLite and PostgreSQL."""
import json
import os
import uuid

import pytest
import sqlalchemy as sa
from limits import RateLimitItemPerMinute

from gateway.models import AuditEvent, Lsr, Partner
from tests.conftest import EXAMPLES, Api, set_now

REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("PORTGATE_REQUIRE_REDIS"):
            pytest.fail("PORTGATE_REQUIRE_REDIS is set but Redis is not reachable")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    return client


@pytest.fixture(params=["memory", "redis"])
def app_overrides(request):
    """Each test on both storages; on Redis, under a key prefix of its own (parallel runs)."""
    if request.param == "memory":
        yield {"RATELIMIT_STORAGE_URI": "memory://"}
        return
    client = _redis_or_skip()
    prefix = f"portgate-test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


@pytest.fixture
def limit(app):
    def set_limit(n):
        app.config["API_RATE_LIMIT"] = n

    return set_limit


def _lsr(pon="RATE1"):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), pon=pon)


def test_past_the_limit_a_partner_gets_429_rate_limited_with_retry_after(heron, limit):
    limit(3)
    assert [heron.get("/api/v1/lsrs").status_code for _ in range(3)] == [200, 200, 200]
    refused = heron.get("/api/v1/lsrs")
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_a_refused_request_records_nothing(heron, limit, db_session):
    limit(1)
    assert heron.get("/api/v1/lsrs").status_code == 200
    audit_rows = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    resp = heron.post("/api/v1/lsrs", _lsr())
    assert resp.status_code == 429
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Lsr)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_rows


def test_users_of_one_partner_share_its_count_and_other_partners_have_their_own(
        client, heron, actors, limit):
    actors.user("heron2")
    other_user = Api(client, actors.token("heron2"))
    actors.partner("NWT", "Northwest Telco", spids=("N777",))
    actors.user("nwt", partner="NWT")
    other_partner = Api(client, actors.token("nwt"))
    limit(2)
    assert heron.get("/api/v1/lsrs").status_code == 200
    assert other_user.get("/api/v1/lsrs").status_code == 200
    assert heron.get("/api/v1/lsrs").status_code == 429
    assert other_user.get("/api/v1/lsrs").status_code == 429
    assert other_partner.get("/api/v1/lsrs").status_code == 200


def test_an_agent_counts_for_itself_not_for_the_carrier_it_acts_for(client, heron, actors,
                                                                      cli, limit):
    actors.partner("ACE", "Acme Porting Agents", spids=(), type="agent")
    actors.user("ace", partner="ACE")
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "ACE")[0] == 0
    agent = Api(client, actors.token("ace"))
    limit(2)
    sent = [agent.post("/api/v1/lsrs", _lsr(f"ACE{n}")) for n in range(2)]
    assert [r.status_code for r in sent] == [201, 201]
    assert {r.get_json()["ccna"] for r in sent} == {"BHW"}  # filed for the carrier
    assert agent.get("/api/v1/lsrs").status_code == 429
    assert heron.get("/api/v1/lsrs").status_code == 200  # the carrier's count is untouched


def test_staff_tokens_are_not_limited(heron, desk, limit):
    limit(1)
    assert [desk.get("/api/v1/lsrs").status_code for _ in range(4)] == [200] * 4
    assert heron.get("/api/v1/lsrs").status_code == 200


def test_zero_means_no_limit(heron, limit):
    limit(0)
    assert {heron.get("/api/v1/lsrs").status_code for _ in range(8)} == {200}


def test_the_npac_endpoints_count_in_the_same_window(heron, limit):
    limit(2)
    assert heron.get("/api/v1/npac/tns/5415550123").status_code != 429
    assert heron.get("/api/v1/lsrs").status_code == 200
    npac = heron.get("/api/v1/npac/tns/5415550123")
    assert npac.status_code == 429 and npac.get_json()["error"]["code"] == "rate_limited"


def test_the_window_follows_the_wall_clock_not_the_frozen_one(app, heron, limit):
    limit(1)
    assert heron.get("/api/v1/lsrs").status_code == 200
    set_now(app, "2026-11-24T10:00:00-08:00")  # a day later on the one clock
    assert heron.get("/api/v1/lsrs").status_code == 429


def test_requests_without_a_valid_token_get_401_not_a_count(client, heron, limit):
    limit(1)
    assert Api(client, "not-a-token").get("/api/v1/lsrs").status_code == 401
    assert heron.get("/api/v1/lsrs").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200  # public, never counted


def test_the_counts_live_in_the_configured_storage(app, heron, limit):
    limit(5)
    assert heron.get("/api/v1/lsrs").status_code == 200
    storage = app.extensions["portgate_api_limiter"].storage
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis://"):
        keys = _redis_or_skip().keys(f"*{app.config['RATELIMIT_KEY_PREFIX']}*")
        assert len(keys) == 1 and b"partner:" in keys[0]
    else:
        assert type(storage).__name__ == "MemoryStorage"


def test_a_storage_outage_lets_requests_through_and_is_logged(app, heron, limit, monkeypatch,
                                                            caplog):
    """Ports must not stop for a counter: when the storage fails (Redis down), the request
    goes through and the failure is logged."""
    limit(1)
    strategy = app.extensions["portgate_api_limiter"].limiter

    def down(*_args, **_kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(strategy, "hit", down)
    with caplog.at_level("ERROR"):
        assert [heron.get("/api/v1/lsrs").status_code for _ in range(3)] == [200] * 3
    assert sum("Failed to rate limit" in r.getMessage() for r in caplog.records) == 3


def test_the_count_is_kept_under_flask_limiters_keys(app, heron, limit, db_session):
    """The counts are the ones Flask-Limiter's shared limit kept before (prefix, partner,
    scope), so a deployment's running windows carry over."""
    limit(5)
    assert heron.get("/api/v1/lsrs").status_code == 200
    strategy = app.extensions["portgate_api_limiter"].limiter
    partner_id = db_session.scalar(sa.select(Partner.id).where(Partner.ccna == "BHW"))
    keys = [app.config["RATELIMIT_KEY_PREFIX"], f"partner:{partner_id}", "api-v1"]
    stats = strategy.get_window_stats(RateLimitItemPerMinute(5), *keys)
    assert stats.remaining == 4


def test_flask_limiters_own_switch_turns_the_count_off(app, heron, limit):
    """RATELIMIT_ENABLED off (Flask-Limiter's switch, read at start-up) counts nothing."""
    limit(1)
    app.extensions["portgate_api_limiter"].enabled = False
    assert {heron.get("/api/v1/lsrs").status_code for _ in range(3)} == {200}


def test_the_openapi_document_lists_the_429_answer(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    lsrs = doc["paths"]["/lsrs"]["post"]["responses"]
    assert lsrs["429"] == {"$ref": "#/components/responses/RateLimited"}
    assert "Retry-After" in doc["components"]["responses"]["RateLimited"]["headers"]
