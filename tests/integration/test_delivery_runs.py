"""A `deliver` run, and a worker round, send every notice that is due (api-contract §2), and
no text in a notice or a partner's webhook address can make a delivery fail for good or a run
crash (business-rules §10.1, api-contract §1, §5)."""
import pytest
import sqlalchemy as sa

from gateway.models import Delivery
from tests.integration.test_webhook_addresses import Receiver

SECRET = "whsec-probe-123456"


@pytest.fixture
def hook(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver listens on 127.0.0.1
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _csr_notices(heron, cli, url, batches=3):
    """100 csr.returned webhook notices a batch."""
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", url, "--secret", SECRET)[0] == 0
    for _ in range(batches):
        resp = heron.post("/api/v1/csr-batches",
                          {"requests": [{"tn": "5415550142", "agauth": "Y"}] * 100})
        assert resp.status_code == 201, resp.get_json()


def _webhooks(store, status):
    store.expire_all()
    return store.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
        Delivery.channel == "webhook", Delivery.status == status))


@pytest.mark.parametrize("command", [("deliver",), ("work", "--once")])
def test_one_run_delivers_more_than_one_chunk(heron, cli, store, hook, command):
    _csr_notices(heron, cli, hook.url)
    assert _webhooks(store, "pending") == 300
    code, out = cli(*command)
    assert code == 0, out
    assert "sent 300" in out
    events = [headers["X-Portgate-Event"] for headers, _ in hook.requests]
    assert len(events) == 300 and set(events) == {"csr.returned"}
    assert _webhooks(store, "pending") == 0 and _webhooks(store, "sent") == 300


def _deliver(app, limit):
    from gateway import clock, db
    from gateway.services.outbox.delivery import deliver

    with app.app_context():
        return deliver(db.database().sessionmaker, now=clock.now, smtp_url=None,
                       sender="portgate@example.com", limit=limit, allow_private=True)


def test_a_run_in_small_chunks_ends_when_nothing_is_due(app, heron, cli, store, hook):
    _csr_notices(heron, cli, hook.url, batches=1)
    report = _deliver(app, limit=7)
    assert report.sent == 100 and report.failed == report.dead == report.skipped == 0
    assert len(hook.requests) == 100 and _webhooks(store, "pending") == 0


def test_a_failing_receiver_is_tried_once_per_run(app, heron, cli, store):
    """Failed tries wait for their back-off: the run ends, it does not retry them at once."""
    import socket

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _csr_notices(heron, cli, f"http://127.0.0.1:{closed}/hooks", batches=1)
    report = _deliver(app, limit=7)
    assert (report.sent, report.failed, report.dead) == (0, 100, 0)
    store.expire_all()
    assert set(store.scalars(sa.select(Delivery.attempts).where(
        Delivery.channel == "webhook"))) == {1}


def test_a_run_stops_when_a_chunk_makes_no_progress(app, monkeypatch):
    """The safety bound: a claim whose every delivery is gone or another worker's ends the run
    (no spinning on the same rows)."""
    from gateway.services.outbox import delivery

    calls = []
    monkeypatch.setattr(delivery, "claim", lambda *a, **kw: calls.append(1) or [987654321])
    report = _deliver(app, limit=200)
    assert len(calls) == 1 and report.skipped == 1 and report.sent == 0
