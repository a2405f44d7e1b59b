"""`flask work` (api-contract §2) as `make run` starts it: beside the web server, with nothing
else started, notices reach SMTP and the webhook and the clocks run (issue 15 "Done when");
several workers at once answer each batch LSR once."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from gateway import create_app
from gateway.models import LsrBatchItem, LsrVersion
from gateway.platform.worker import Worker
from tests.batch_helpers import lsr
from tests.concurrency.conftest import (
    ROOT,
    app_config,
    http_json,
    load_world,
    run_cli,
    subprocess_env,
    wide_pool,
)
from tests.integration.test_delivery import Receiver
from tests.security.world import FRESH_TNS, account_of, passcode_of


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def committed_url(request, tmp_path):
    """A real, committed database that several threads and processes share."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portgate.db'}"
        return
    yield request.getfixturevalue("pg_url")


def single_lsr(n: int, pon: str) -> dict:
    return lsr(pon, account_of(n), FRESH_TNS[n], passcode=passcode_of(n),
               eu={"zip": "97701"})


def wait_for(check, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_running_worker_sends_the_foc_and_expires_the_window(committed_url, tmp_path,
                                                            smtp):
    """The app served and the worker looping beside it, as `make run` does; nothing else."""
    hook = Receiver()
    app = create_app(app_config(committed_url, SMTP_URL=smtp.url,
                                WEBHOOK_ALLOW_PRIVATE=True))
    wide_pool(app) if not committed_url.startswith("sqlite") else None
    tokens = load_world(app, tmp_path)
    run_cli(app, "partner", "webhook", "--ccna", "BHW", "--url", hook.url, "--secret", "s")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    worker = Worker(app, sweep_every=timedelta(minutes=1))
    thread = threading.Thread(target=worker.loop, args=(stop,), kwargs={"interval": 0.2})
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        status, order = http_json(base + "/api/v1/lsrs", "POST", single_lsr(0, "RUN1"),
                                  tokens["heron"])
        assert status == 201 and order["status"] == "foc", order
        started = time.monotonic()
        wait_for(lambda: any(e["X-Portgate-Event"] == "lsr.foc" for e, _ in hook.requests))
        wait_for(lambda: any(FRESH_TNS[0] in body for _, body in smtp.messages))
        assert time.monotonic() - started < 60
        payload = json.loads(next(b for h, b in hook.requests
                                  if h["X-Portgate-Event"] == "lsr.foc"))
        assert payload["data"]["id"] == order["id"]

        # the window of an FOC due 11-25 ends 4 business days later (past Thanksgiving):
        # move the one clock past it; the running worker's next sweep expires the order
        assert order["clocks"]["window_ends_at"] < "2026-12-10"
        app.config["FROZEN_NOW"] = "2026-12-10T09:00:00-08:00"
        expired = wait_for(lambda: http_json(f"{base}/api/v1/lsrs/{order['id']}",
                                             token=tokens["heron"])[1]["status"] == "expired")
        assert expired
        wait_for(lambda: any(e["X-Portgate-Event"] == "lsr.expired" for e, _ in hook.requests))
    finally:
        stop.set()
        thread.join(30)
        server.shutdown()
        hook.close()
        app.extensions["portgate_db"].engine.dispose()
    assert not thread.is_alive()


def test_work_command_loops_until_interrupted_and_answers_a_batch(committed_url, tmp_path):
    """The real `flask --app app work` process: a batch sent while it runs is answered, and
    Ctrl-C (SIGINT) or SIGTERM stops it cleanly (exit 0)."""
    app = create_app(app_config(committed_url))
    tokens = load_world(app, tmp_path)
    env = subprocess_env(committed_url)
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "work",
                                 "--interval", "0.2"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            with app.test_client() as client:
                resp = client.post("/api/v1/lsr-batches", json={"lsrs": [
                    single_lsr(1 if sig == signal.SIGINT else 2, f"W{int(sig)}")]},
                    headers={"Authorization": f"Bearer {tokens['heron']}"})
                assert resp.status_code == 202
                batch_id = resp.get_json()["id"]

                def done(batch_id=batch_id):
                    body = client.get(f"/api/v1/lsr-batches/{batch_id}", headers={
                        "Authorization": f"Bearer {tokens['heron']}"}).get_json()
                    return body["status"] == "done" and body

                body = wait_for(done)
            assert body["items"][0]["outcome"] == "created"
        finally:
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        assert "worker stopped" in out
    app.extensions["portgate_db"].engine.dispose()


def test_two_workers_at_once_answer_every_batch_lsr_exactly_once(committed_url, tmp_path):
    app = create_app(app_config(committed_url))
    if not committed_url.startswith("sqlite"):
        wide_pool(app)
    tokens = load_world(app, tmp_path)
    with app.test_client() as client:
        for b in range(3):
            resp = client.post("/api/v1/lsr-batches", json={"lsrs": [
                single_lsr(b * 20 + i, f"B{b}N{i}") for i in range(20)]},
                headers={"Authorization": f"Bearer {tokens['heron']}"})
            assert resp.status_code == 202
    workers = [Worker(app), Worker(app)]
    barrier = threading.Barrier(2)
    reports = [None, None]

    def run(i):
        barrier.wait()
        reports[i] = workers[i].round()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert sum(r.lsrs for r in reports) == 60
    with app.extensions["portgate_db"].sessionmaker() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LsrBatchItem).where(
            LsrBatchItem.outcome == "created")) == 60
        assert session.scalar(sa.select(sa.func.count()).select_from(LsrVersion)) == 60
    app.extensions["portgate_db"].engine.dispose()
