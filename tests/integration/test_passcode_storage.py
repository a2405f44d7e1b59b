"""A passcode an LSR carries is CPNI: orders keep only a keyed digest of it (§4.5, issue 8)."""
import json

import sqlalchemy as sa

from gateway.models import AuditEvent, Lsr, LsrVersion, Notice, PasscodeFailure
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


def partial(**changes):
    return dict(json.loads((EXAMPLES / "lsr-partial-port.json").read_text()), **changes)


def _set_passcode(app, store, account, passcode):
    from gateway.models import Account
    from gateway.platform.passcodes import passcode_key
    from validators.passcode import hash_passcode
    store.get(Account, account).passcode_hash = hash_passcode(passcode, passcode_key(app.config))
    store.commit()


def test_sup3_without_passcode_on_an_account_whose_passcode_was_never_verified_is_r306(
        app, heron, store):
    order = heron.post("/api/v1/lsrs", partial(passcode="0000")).get_json()  # 884377: none yet
    assert order["status"] == "foc", order
    _set_passcode(app, store, "884377", "4242")
    omitted = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                         partial(ver="3", sup="3", init="Someone Else")).get_json()
    assert [r["code"] for r in omitted["supplement"]["rejects"]] == ["R306"], \
        omitted["supplement"]
    assert omitted["lsr"]["status"] == "foc"
    given = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                       partial(ver="4", sup="3", init="Someone Else", passcode="4242")).get_json()
    assert given["supplement"]["status"] == "accepted", given["supplement"]
    again = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",  # 4242 verified now: kept
                       {"sup": "3", "ver": "5", "init": "Third Name"}).get_json()
    assert again["supplement"]["status"] == "accepted", again["supplement"]


def test_sup3_without_passcode_after_the_account_passcode_changed_is_r306(app, heron, store,
                                                                          db_session):
    order = heron.post("/api/v1/lsrs", example()).get_json()  # 884201's passcode 7713
    assert order["status"] == "foc", order
    _set_passcode(app, store, "884201", "9911")
    sup = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                     {"sup": "3", "ver": "2", "init_tel": "5419990124"}).get_json()
    assert [r["code"] for r in sup["supplement"]["rejects"]] == ["R306"], sup["supplement"]
    failures = db_session.scalars(sa.select(PasscodeFailure)).all()
    assert failures == []  # nothing was given: no failed guess counts towards the lock
    _set_passcode(app, store, "884201", "7713")  # the same passcode again (a fresh salt)
    back = heron.post(f"/api/v1/lsrs/{order['id']}/supplements",
                      {"sup": "3", "ver": "3", "init_tel": "5419990124"}).get_json()
    assert back["supplement"]["status"] == "accepted", back["supplement"]


def test_an_orders_passcode_proof_is_no_passcode_in_the_clear(heron, db_session):
    order = heron.post("/api/v1/lsrs", example()).get_json()
    stored = db_session.get(Lsr, order["id"]).payload["passcode"]
    assert set(stored) == {"digest", "proof"} and "7713" not in json.dumps(stored)
