"""What a partner's integrator does (issue 13 §6): generate a client from the live OpenAPI
document with openapi-python-client, then run a whole port with it. Every step answers a
status the document lists (the client raises UnexpectedStatus otherwise) and a typed model of
the generated package, never None or a raw dict; the generator warns about nothing."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from gateway import create_app
from tests.conftest import EXAMPLES, _config, set_now

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PACKAGE = "portgate_api_client"


def live_document(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Generate the client package once (the document does not depend on the database)."""
    app = create_app(_config("sqlite://"))
    document = live_document(app)
    app.extensions["portgate_db"].engine.dispose()
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(json.dumps(document))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(root / "openapi.json"),
         "--output-path", str(root / PACKAGE), "--meta", "none"],
        capture_output=True, text=True, env=env, timeout=300, cwd=root)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        yield package, document, output
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generator_warns_about_nothing(generated):
    _, _, output = generated
    assert "Warning" not in output and "warning" not in output.lower(), output


def _api(name: str):
    return importlib.import_module(f"{PACKAGE}.api.default.{name}")


def _models():
    return importlib.import_module(f"{PACKAGE}.models")


def _client(package, app, token: str):
    return package.AuthenticatedClient(
        base_url="http://portgate.test/api/v1", token=token, raise_on_unexpected_status=True,
        httpx_args={"transport": httpx.WSGITransport(app=app)})


def _call(module: str, client, expect: int, model, **kwargs):
    """One operation through the generated client: its status and a typed answer."""
    response = _api(module).sync_detailed(client=client, **kwargs)
    assert response.status_code == expect, (module, response.status_code, response.content)
    assert isinstance(response.parsed, model), (module, type(response.parsed))
    return response.parsed


def test_a_generated_client_runs_a_port_with_typed_answers(app, heron, desk, actors, generated):
    package, document, _ = generated
    assert live_document(app) == document  # the app under test serves the same document
    m = _models()
    partner = _client(package, app, heron.token)
    staff = _client(package, app, desk.token)

    # CSR: returned with the record the LSR must match
    csr = _call("create_csr_request", partner, 201, m.CsrResponse,
                body=m.CsrRequest.from_dict({"tn": "5415550142", "agauth": "Y"}))
    assert csr.status == m.CsrResponseStatus.RETURNED
    assert isinstance(csr.csr, m.CsrRecord) and csr.csr.account_number == "884201"
    assert isinstance(csr.csr.service_address, m.Address)
    assert all(isinstance(t, m.CsrTn) for t in csr.csr.tns)

    # dry run of an expedite: nothing recorded, the order would go to staff
    lsr = dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), exp="Y",
               ddd="2026-11-23")
    dry = _call("validate_lsr", partner, 200, m.ValidateResponse,
                body=m.ValidateLsr.from_dict(lsr))
    assert dry.rejects == [] and dry.review_reason == "expedite" and dry.duplicate_of is None
    assert dry.passcode_checked is False

    # the LSR, recorded (to staff, expedite), then the identical one again: 200, unchanged
    order = _call("create_lsr", partner, 201, m.LsrResponse, body=m.Lsr.from_dict(lsr))
    assert order.status == m.LsrResponseStatus.MANUAL_REVIEW and order.foc is None
    again = _call("create_lsr", partner, 200, m.LsrResponse, body=m.Lsr.from_dict(lsr))
    assert again.id == order.id and again.ver == "1" and len(again.history) == 1
    assert all(isinstance(h, m.History) for h in again.history)

    # the FOC: staff decline the expedite to the standard date
    focd = _call("decide_lsr", staff, 200, m.LsrResponse, lsr_id=order.id,
                 body=m.Decision(action=m.DecisionAction.FOC, due_date=date(2026, 11, 24)))
    assert focd.status == m.LsrResponseStatus.FOC and isinstance(focd.foc, m.Foc)
    assert focd.foc.due_date == "2026-11-24" and focd.foc.tns == ["5415550142"]

    # SUP 2: the due date moves to Monday 11-30
    sup = _call("supplement_lsr", partner, 200, m.SupplementResponse, lsr_id=order.id,
                body=m.Lsr.from_dict({"sup": "2", "ver": "2", "ddd": "2026-11-30"}))
    assert isinstance(sup.supplement, m.SupplementOutcome) and isinstance(sup.lsr, m.LsrResponse)
    assert sup.supplement.status == "accepted", sup.supplement.rejects
    assert sup.lsr.foc.due_date == "2026-11-30"

    # the lists are typed pages
    orders = _call("list_lsrs", partner, 200, m.LsrList, status="foc")
    assert orders.total == 1 and [o.id for o in orders.items] == [order.id]
    assert all(isinstance(o, m.LsrResponse) for o in orders.items)
    csrs = _call("list_csr_requests", partner, 200, m.CsrRequestList)
    assert [c.id for c in csrs.items] == [csr.id]
    queue = _call("staff_queue", staff, 200, m.Queue)
    assert queue.items == []

    # NPAC: on the due date the new provider creates its SV and activates it in the window
    set_now(app, "2026-11-30T09:00:00-08:00")
    sv = _call("create_subscription", partner, 201, m.Subscription,
               body=m.SubscriptionRequest(tn="5415550142", new_spid="B451", lrn="5419990000",
                                          due_date=date(2026, 11, 30)))
    assert sv.status == m.SubscriptionStatus.PENDING and sv.concurred is True
    active = _call("activate_subscription", partner, 200, m.Subscription, sv_id=sv.id)
    assert active.status == m.SubscriptionStatus.ACTIVE
    done = _call("get_lsr", partner, 200, m.LsrResponse, lsr_id=order.id)
    assert done.status == m.LsrResponseStatus.COMPLETED
    where = _call("lookup_tn", partner, 200, m.NpacTn, tn="5415550142")
    assert where.spid == "B451"

    # errors are typed too: the envelope with code and message
    missing = _call("get_lsr", partner, 404, m.ErrorEnvelope, lsr_id=999999)
    assert missing.error.code == "not_found" and missing.error.message
