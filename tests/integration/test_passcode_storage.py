"""A passcode an LSR carries is CPNI: orders keep only a keyed digest of it (§4.5, issue 8)."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Lsr, LsrVersion, Notice
from tests.conftest import DISTINCT_PASSCODE as PASSCODE
from tests.conftest import EXAMPLES
from tests.conftest import WRONG_PASSCODE as WRONG


def example(**changes):
    return dict(json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes)


def _stored_texts(db_session):
    db_session.expire_all()
    rows = [json.dumps(lsr.payload) for lsr in db_session.scalars(sa.select(Lsr))]
    rows += [json.dumps(v.payload) for v in db_session.scalars(sa.select(LsrVersion))]
    rows += [json.dumps([e.before, e.after, e.details]) for e in db_session.scalars(
        sa.select(AuditEvent))]
    rows += [json.dumps(n.data) + n.body for n in db_session.scalars(sa.select(Notice))]
    return rows


def test_orders_store_no_passcode_in_the_clear(heron, db_session, distinct_passcode):
    wrong = heron.post("/api/v1/lsrs", example(pon="WRONGPC", passcode=WRONG)).get_json()
    assert [r["code"] for r in wrong["rejects"]] == ["R306"]
    order = heron.post("/api/v1/lsrs", example(passcode=PASSCODE)).get_json()
    assert order["status"] == "foc"
    texts = _stored_texts(db_session)
    assert texts and not any(PASSCODE in t or WRONG in t for t in texts)
    stored = db_session.get(Lsr, order["id"]).payload["passcode"]
    assert stored["digest"].startswith("hmac-sha256:")


def test_same_pon_and_ver_with_another_passcode_is_not_a_duplicate(heron):
    first = heron.post("/api/v1/lsrs", example())
    assert first.status_code == 201
    assert heron.post("/api/v1/lsrs", example()).status_code == 200  # exact duplicate
    other = heron.post("/api/v1/lsrs", example(passcode="1234"))
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "duplicate_version"


def test_correction_without_the_passcode_keeps_the_accepted_one(heron):
    order = heron.post("/api/v1/lsrs", example()).get_json()
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "3", "ver": "2", "init_tel": "5419990124"}).get_json()
    assert sup["supplement"]["status"] == "accepted", sup["supplement"]["rejects"]
    assert sup["lsr"]["status"] == "foc"


def test_correction_with_a_wrong_passcode_is_rejected_r306(heron, db_session, distinct_passcode):
    order = heron.post("/api/v1/lsrs", example(passcode=PASSCODE)).get_json()
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "3", "ver": "2", "passcode": WRONG}).get_json()
    assert sup["supplement"]["status"] == "rejected"
    assert [r["code"] for r in sup["supplement"]["rejects"]] == ["R306"]
    assert sup["lsr"]["status"] == "foc"  # §6.5: the order and its FOC stay as they were
    assert not any(WRONG in t for t in _stored_texts(db_session))
