"""Real parallel clients on PostgreSQL (issue 8 §5): each request a thread of a live server
with its own connection, against a committed database."""
from __future__ import annotations

import collections
import json
import subprocess
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from gateway.models import AuditEvent, Delivery, Lsr, LsrTn, LsrVersion, Notice
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.desk.sweep import run_sweep
from npac.models import SubscriptionVersion
from tests.concurrency.conftest import BIN, ROOT, at_once, run_cli, subprocess_env
from tests.security.world import FRESH_TNS, simple_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def count(live, model, *where) -> int:
    with live.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_twenty_identical_submissions_at_once_make_one_order(live_app, capsys):
    body = simple_port(FRESH_TNS[0], "RACE1")
    answers = at_once([lambda: live_app.call("POST", "/api/v1/lsrs", body)] * 20)
    statuses = collections.Counter(status for status, _ in answers)
    assert statuses == {201: 1, 200: 19}, answers
    assert len({answer["id"] for _, answer in answers}) == 1
    order_id = answers[0][1]["id"]
    assert count(live_app, Lsr, Lsr.pon == "RACE1") == 1
    assert count(live_app, LsrVersion, LsrVersion.lsr_id == order_id) == 1
    assert count(live_app, Notice, Notice.lsr_id == order_id, Notice.event == "lsr.foc") == 1
    assert count(live_app, AuditEvent, AuditEvent.object_type == "lsr",
                 AuditEvent.object_id == str(order_id)) == 1
    with capsys.disabled():
        print(f"\nconcurrent duplicates: 20 attempted, {count(live_app, Lsr)} order made")


def test_twenty_orders_for_one_tn_at_once_get_one_foc(live_app, capsys):
    """Different PONs for the same TN: one FOC, every other one R205 (§2.4)."""
    bodies = [simple_port(FRESH_TNS[1], f"TNRACE{n}") for n in range(20)]
    answers = at_once([lambda b=b: live_app.call("POST", "/api/v1/lsrs", b) for b in bodies])
    assert all(status == 201 for status, _ in answers), answers
    outcomes = collections.Counter(a["status"] for _, a in answers)
    assert outcomes == {"foc": 1, "rejected": 19}, outcomes
    assert all(r["code"] == "R205" for _, a in answers if a["status"] == "rejected"
               for r in a["rejects"])
    assert count(live_app, LsrTn, LsrTn.tn == FRESH_TNS[1]) == 1
    with capsys.disabled():
        print(f"\none TN, 20 orders at once: {outcomes['foc']} FOC, "
              f"{outcomes['rejected']} R205")


def test_parallel_supplements_on_one_order_are_serialized(live_app):
    _status, order = live_app.call("POST", "/api/v1/lsrs", simple_port(FRESH_TNS[2], "SUPS"))
    assert order["status"] == "foc"
    path = f"/api/v1/lsrs/{order['id']}/supplements"
    same = {"sup": "2", "ver": "2", "ddd": "2026-11-30"}
    others = [{"sup": "2", "ver": str(n), "ddd": f"2026-12-0{n - 2}"} for n in range(3, 9)]
    answers = at_once([lambda: live_app.call("POST", path, same)] * 6 +
                      [lambda b=b: live_app.call("POST", path, b) for b in others])
    assert all(status == 200 for status, _ in answers), answers
    same_outcomes = {json.dumps(a["supplement"], sort_keys=True) for _, a in answers[:6]}
    assert len(same_outcomes) == 1  # the same supplement six times: one outcome
    with live_app.session() as session:
        vers = session.scalars(sa.select(LsrVersion.ver).where(
            LsrVersion.lsr_id == order["id"])).all()
        lsr = session.get(Lsr, order["id"])
        accepted = session.scalar(sa.select(sa.func.count()).select_from(LsrVersion).where(
            LsrVersion.lsr_id == order["id"], LsrVersion.sup == "2",
            LsrVersion.status != "rejected"))
    assert len(vers) == len(set(vers)) == 8  # VER 1 and seven supplements, none twice
    assert accepted == lsr.due_date_sups == 3  # §6.2: the 4th and later are R503
    rejected = [a["supplement"] for _, a in answers if a["supplement"]["status"] == "rejected"]
    assert {r["code"] for s in rejected for r in s["rejects"]} == {"R503"}


def _window_race(live, orders: list[dict], sv_ids: list[int]) -> list:
    """Activate each SV at 23:59:59 of the window's last day while a sweep runs at 00:00:01."""
    live.app.config["FROZEN_NOW"] = "2026-12-02T23:59:59-08:00"
    sweep_now = datetime.fromisoformat("2026-12-03T00:00:01-08:00")

    def sweep():
        time.sleep(0.02)  # some activations reach the database before it, some after
        with live.app.app_context(), live.session() as session, session.begin():
            return run_sweep(session, now=sweep_now, profile=carrier_profile())

    def activate(n: int, sv_id: int):
        time.sleep(0.006 * n)
        return live.call("POST", f"/api/v1/npac/subscriptions/{sv_id}/activate")

    calls = [lambda n=n, i=i: activate(n, i) for n, i in enumerate(sv_ids)]
    return at_once(calls + [sweep])


def test_activation_racing_the_expiry_sweep_has_one_outcome(live_app, capsys):
    orders, sv_ids = [], []
    for n in range(8):
        _s, order = live_app.call("POST", "/api/v1/lsrs", simple_port(FRESH_TNS[10 + n],
                                                                      f"WIN{n}"))
        assert order["status"] == "foc" and order["clocks"]["window_ends_at"]
        _s, sv = live_app.call("POST", "/api/v1/npac/subscriptions", {
            "tn": FRESH_TNS[10 + n], "new_spid": "B451", "lrn": "5419990000",
            "due_date": "2026-11-24"})
        assert sv["concurred"] is True
        orders.append(order)
        sv_ids.append(sv["id"])
    results = _window_race(live_app, orders, sv_ids)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(status in (200, 409) for status, _ in results[:-1]), results
    with live_app.session() as session:
        outcome = collections.Counter()
        for order, sv_id in zip(orders, sv_ids, strict=False):
            status = session.get(Lsr, order["id"]).status
            sv = session.get(SubscriptionVersion, sv_id).status
            assert (status, sv) in {("completed", "active"), ("expired", "canceled")}, \
                (order["id"], status, sv)
            outcome[status] += 1
    activated = sum(1 for status, _ in results[:-1] if status == 200)
    assert activated == outcome["completed"]
    with capsys.disabled():
        print(f"\nactivation vs expiry: {dict(outcome)} (each order one outcome)")


class _Receiver(BaseHTTPRequestHandler):
    seen: list = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.seen.append(self.headers["X-Portgate-Delivery"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        return


def test_two_sweeps_and_two_deliveries_at_once_have_no_double_effects(live_app, capsys):
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.seen = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    live_app.app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # a loopback receiver (api-contract §1)
    run_cli(live_app.app, "partner", "webhook", "--ccna", "BHW", "--url",
            f"http://127.0.0.1:{receiver.server_port}/hook", "--secret", "s3cret")
    ids = []
    for n in range(6):
        _s, order = live_app.call("POST", "/api/v1/lsrs", simple_port(FRESH_TNS[20 + n],
                                                                      f"SWEEP{n}"))
        assert order["status"] == "foc"
        ids.append(order["id"])
    env = subprocess_env(live_app.db_url, PORTGATE_FROZEN_NOW="2026-12-03T09:00:00-08:00",
                         PORTGATE_WEBHOOK_ALLOW_PRIVATE="1")
    flask = [str(BIN / "python"), "-m", "flask", "--app", "app"]
    procs = [subprocess.Popen(flask + [cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for cmd in ("sweep", "sweep", "deliver", "deliver")]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    final = subprocess.run(flask + ["deliver"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    receiver.shutdown()
    with live_app.session() as session:
        statuses = dict(session.execute(sa.select(Lsr.id, Lsr.status).where(
            Lsr.id.in_(ids))).all())
        hooks = session.scalars(sa.select(Delivery).where(Delivery.channel == "webhook")).all()
    assert set(statuses.values()) == {"expired"}
    for order_id in ids:
        assert count(live_app, AuditEvent, AuditEvent.action == "lsr.expired",
                     AuditEvent.object_id == str(order_id)) == 1
        assert count(live_app, Notice, Notice.event == "lsr.expired",
                     Notice.lsr_id == order_id) == 1
    received = collections.Counter(_Receiver.seen)
    assert hooks and {d.status for d in hooks} == {"sent"}
    assert set(received) == {d.delivery_id for d in hooks}
    assert max(received.values()) == 1, received.most_common(3)
    with capsys.disabled():
        print(f"\n2 sweeps + 2 delivers: {len(ids)} orders expired once each, "
              f"{len(received)} webhooks each received once")
