"""LSR and CSR batches by API (business-rules §12, api-contract §4.2.1), on both databases."""
import csv
import io
import json

import pytest
import sqlalchemy as sa

from gateway.models import (
    AuditEvent,
    Delivery,
    Lsr,
    LsrBatch,
    LsrBatchItem,
    LsrVersion,
    Notice,
    PasscodeFailure,
)
from tests.batch_helpers import csv_file, lsr, park_accounts
from tests.conftest import EXAMPLES, LOA, recorded_statements, set_now


class Killed(BaseException):
    """A worker process dying (not an Exception: nothing in the worker catches it)."""


def work(cli):
    code, out = cli("work", "--once")
    assert code == 0, out
    return out


def upload(heron, data: bytes, name="batch.csv"):
    return heron.client.post("/api/v1/lsr-batches", data={"file": (io.BytesIO(data), name)},
                             headers={"Authorization": f"Bearer {heron.token}"},
                             content_type="multipart/form-data")


@pytest.fixture
def park(cli, tmp_path, heron):
    return park_accounts(cli, tmp_path, 6)


def test_json_batch_is_queued_then_answered_in_order_by_the_worker(heron, cli, park):
    bodies = [lsr(f"P{i}", an, tn) for i, (an, tn) in enumerate(park[:3])]
    resp = heron.post("/api/v1/lsr-batches", {"lsrs": bodies})
    assert resp.status_code == 202
    queued = resp.get_json()
    assert queued == {"id": queued["id"], "status": "queued", "total": 3,
                      "received_at": "2026-11-23T18:00:00+00:00"}
    before = heron.get(f"/api/v1/lsr-batches/{queued['id']}").get_json()
    assert (before["status"], before["done"], before["items"]) == ("queued", 0, [])

    assert "batches 1 (3 LSRs)" in work(cli)
    done = heron.get(f"/api/v1/lsr-batches/{queued['id']}").get_json()
    assert (done["status"], done["total"], done["done"]) == ("done", 3, 3)
    assert [(i["index"], i["pon"], i["outcome"], i["error"]) for i in done["items"]] == [
        (0, "P0", "created", None), (1, "P1", "created", None), (2, "P2", "created", None)]
    assert [i["lsr"]["status"] for i in done["items"]] == ["foc"] * 3
    assert {i["lsr"]["received_at"] for i in done["items"]} == {"2026-11-23T18:00:00+00:00"}


def test_csv_batch_groups_rows_by_pon_and_rejects_disagreeing_rows_r602(heron, cli, park):
    (an0, tn0), (an1, tn1), (an2, tn2) = park[:3]
    data = csv_file([{"pon": "ONE", "an": an0, "tn": tn0},
                     {"pon": "TWO", "an": an1, "tn": tn1},
                     {"pon": "TWO", "an": an1, "tn": tn2, "ddd": "2026-11-27"}])
    resp = upload(heron, data)
    assert resp.status_code == 202 and resp.get_json()["total"] == 2
    work(cli)
    items = heron.get(f"/api/v1/lsr-batches/{resp.get_json()['id']}").get_json()["items"]
    assert [(i["pon"], i["outcome"], i["lsr"]["status"]) for i in items] == [
        ("ONE", "created", "foc"), ("TWO", "created", "rejected")]
    reject = items[1]["lsr"]["rejects"][0]
    assert reject["code"] == "R602" and reject["field"] == "ddd"
    assert "row 4" in reject["message"] and "row 3" in reject["message"]
    assert items[1]["lsr"]["history"][0]["status"] == "rejected"


def test_sup_in_a_batch_is_r602(heron, cli, park):
    an, tn = park[0]
    resp = heron.post("/api/v1/lsr-batches", {"lsrs": [lsr("S1", an, tn, sup="2")]})
    work(cli)
    item = heron.get(f"/api/v1/lsr-batches/{resp.get_json()['id']}").get_json()["items"][0]
    assert item["outcome"] == "created" and item["lsr"]["status"] == "rejected"
    assert [(r["code"], r["field"]) for r in item["lsr"]["rejects"]][0] == ("R602", "sup")


def test_batch_lsrs_see_those_before_them_duplicate_and_refused(heron, cli, park):
    an, tn = park[0]
    first = lsr("D1", an, tn)
    changed = lsr("D1", an, tn, ddd="2026-11-30")  # same PON and VER, other content: R507
    resp = heron.post("/api/v1/lsr-batches", {"lsrs": [first, first, changed]})
    work(cli)
    body = heron.get(f"/api/v1/lsr-batches/{resp.get_json()['id']}").get_json()
    created, dup, refused = body["items"]
    assert created["outcome"] == "created" and created["lsr"]["status"] == "foc"
    assert dup["outcome"] == "duplicate" and dup["lsr"]["id"] == created["lsr"]["id"]
    assert refused["outcome"] == "refused" and refused["lsr"] is None
    assert refused["error"]["error"]["code"] == "duplicate_version"
    assert refused["error"]["error"]["rejects"][0]["code"] == "R507"

    csv_text = heron.get(f"/api/v1/lsr-batches/{body['id']}/results.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    order = created["lsr"]
    assert lines == ["pon,outcome,order_number,status,due_date,reject_codes",
                     f"D1,created,{order['order_number']},foc,2026-11-25,",
                     f"D1,duplicate,{order['order_number']},foc,2026-11-25,",
                     "D1,refused,,,,R507"]


def test_batch_takes_its_received_time_however_late_it_is_worked(app, heron, cli, park, db_session):
    """§12.1 and §5.3: received Monday 10:00; worked on Tuesday after the cut-off, the LSR is
    still received Monday and its FOC date is floored by Monday, not Tuesday."""
    an, tn = park[0]
    resp = heron.post("/api/v1/lsr-batches", {"lsrs": [lsr("LATE", an, tn, ddd="2026-11-23")]})
    set_now(app, "2026-11-24T16:00:00-08:00")
    work(cli)
    item = heron.get(f"/api/v1/lsr-batches/{resp.get_json()['id']}").get_json()["items"][0]
    assert item["lsr"]["received_at"] == "2026-11-23T18:00:00+00:00"
    assert item["lsr"]["foc"]["due_date"] == "2026-11-24"  # earliest: Monday + 1 business day
    single = heron.post("/api/v1/lsrs", lsr("ALONE", *park[1], ddd="2026-11-23"))
    # sent alone now: received Wednesday (after Tuesday's cut-off) + 1 business day
    assert single.get_json()["foc"]["due_date"] == "2026-11-30"  # past Thanksgiving


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"pon,tn\n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"),
    (b"pon,tn,colour\nA,5415550142,red\n", "colour"),
    (b"pon,tns\nA,5415550142\n", "tns"),
    (b"pon,ver\nA,1\n", "no tn column"),
])
def test_bad_csv_is_refused_400_and_nothing_recorded(heron, db_session, data, fragment):
    resp = upload(heron, data)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "bad_csv" and fragment in error["message"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LsrBatch)) == 0


def test_more_than_500_lsrs_is_refused_csv_and_json(heron, db_session):
    rows = [{"pon": f"P{i}", "tn": "5415550142"} for i in range(501)]
    assert upload(heron, csv_file(rows)).get_json()["error"]["code"] == "bad_csv"
    resp = heron.post("/api/v1/lsr-batches", {"lsrs": [lsr(f"P{i}", "1", "1") for i in range(501)]})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"
    assert heron.post("/api/v1/lsr-batches", {"lsrs": []}).status_code == 400
    assert heron.post("/api/v1/lsr-batches", {"lsrs": [1]}).status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LsrBatch)) == 0


def test_batch_needs_lsr_privilege_and_another_partners_batch_is_404(heron, actors, client, cli,
                                                                     park):
    from tests.conftest import Api

    actors.user("viewer", privileges=["view"])
    viewer = Api(client, actors.token("viewer"))
    assert viewer.post("/api/v1/lsr-batches", {"lsrs": [lsr("V", *park[0])]}).status_code == 403
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": [lsr("V", *park[0])]}).get_json()
    assert viewer.get(f"/api/v1/lsr-batches/{batch['id']}").status_code == 200
    actors.partner(ccna="OTR", name="Other", spids=("O111",))
    actors.user("other", partner="OTR")
    other = Api(client, actors.token("other"))
    assert other.get(f"/api/v1/lsr-batches/{batch['id']}").status_code == 404
    assert other.get(f"/api/v1/lsr-batches/{batch['id']}/results.csv").status_code == 404


def test_batch_done_sends_lsr_batch_done_webhook_once(app, heron, cli, park, db_session):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    code, out = cli("partner", "webhook", "--ccna", "BHW", "--url", "http://127.0.0.1:9/h",
                    "--secret", "s3cret")
    assert code == 0, out
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": [lsr("W1", *park[0])]}).get_json()
    work(cli)
    work(cli)
    notices = db_session.scalars(sa.select(Notice).where(Notice.event == "lsr_batch.done")).all()
    assert len(notices) == 1
    assert notices[0].data["id"] == batch["id"] and notices[0].data["status"] == "done"
    assert notices[0].data["outcomes"] == {"created": 1, "duplicate": 0, "refused": 0}
    channels = {d.channel for d in db_session.scalars(
        sa.select(Delivery).where(Delivery.notice_id == notices[0].id))}
    assert channels == {"webhook", "email"}


def test_crash_mid_batch_resumes_without_answering_any_lsr_twice(app, heron, cli, park,
                                                               db_session, monkeypatch):
    """Each LSR commits with its item's outcome: a worker killed at LSR 3 leaves 0-2 answered;
    the next worker (after the lease runs out) answers 3-5 only."""
    from gateway.services.batches import runner
    from gateway.services.orders import submit as submit_svc

    bodies = [lsr(f"C{i}", an, tn) for i, (an, tn) in enumerate(park)]
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": bodies}).get_json()
    real, calls = submit_svc.submit, []

    def crashing(ctx, req, **kw):
        calls.append(req.pon)
        if req.pon == "C3":
            raise Killed("worker killed")
        return real(ctx, req, **kw)

    monkeypatch.setattr(submit_svc, "submit", crashing)
    with pytest.raises(Killed):
        app.test_cli_runner().invoke(args=["work", "--once"], catch_exceptions=False)
    half = heron.get(f"/api/v1/lsr-batches/{batch['id']}").get_json()
    assert (half["status"], half["done"]) == ("running", 3)
    assert [i["pon"] for i in half["items"]] == ["C0", "C1", "C2"]

    monkeypatch.setattr(submit_svc, "submit", real)
    work(cli)  # the dead worker's lease still holds: nothing happens yet
    assert heron.get(f"/api/v1/lsr-batches/{batch['id']}").get_json()["done"] == 3
    later = runner.wall() + runner.LEASE * 2
    monkeypatch.setattr(runner, "wall", lambda: later)
    work(cli)
    done = heron.get(f"/api/v1/lsr-batches/{batch['id']}").get_json()
    assert (done["status"], done["done"]) == ("done", 6)
    assert [i["pon"] for i in done["items"]] == [f"C{i}" for i in range(6)]
    versions = db_session.execute(sa.select(Lsr.pon, sa.func.count(LsrVersion.id)).join(
        LsrVersion).group_by(Lsr.pon)).all()
    assert sorted(versions) == [(f"C{i}", 1) for i in range(6)]
    received = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "lsr.foc"))
    assert received == 6
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LsrBatchItem).where(
        LsrBatchItem.body.is_not(None))) == 0  # bodies (passcodes) are not kept once answered


def test_a_refusal_after_a_write_keeps_nothing_of_that_lsr_and_the_batch_goes_on(
        heron, cli, park, db_session, monkeypatch):
    """A §7.5 refusal rolls the LSR's transaction back whole (no savepoint on the batch path):
    whatever the submission wrote before refusing is gone, the item is marked refused with the
    refusal's error, and the next LSR is answered."""
    from gateway.errors import Conflict
    from gateway.services.orders import submit as submit_svc

    bodies = [lsr(f"R{i}", an, tn) for i, (an, tn) in enumerate(park[:3])]
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": bodies}).get_json()
    real = submit_svc.submit

    def refusing_after_writing(ctx, req, **kw):
        result = real(ctx, req, **kw)  # the order, its version, audit and notices written
        if req.pon == "R1":
            raise Conflict("refused after writing", code="pon_in_use")
        return result

    monkeypatch.setattr(submit_svc, "submit", refusing_after_writing)
    work(cli)
    done = heron.get(f"/api/v1/lsr-batches/{batch['id']}").get_json()
    assert (done["status"], done["done"]) == ("done", 3)
    assert [(i["pon"], i["outcome"]) for i in done["items"]] == [
        ("R0", "created"), ("R1", "refused"), ("R2", "created")]
    assert done["items"][1]["error"]["error"]["code"] == "pon_in_use"
    assert sorted(db_session.scalars(sa.select(Lsr.pon))) == ["R0", "R2"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "lsr.foc")) == 2
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.lsr_id.is_not(None))) == db_session.scalar(
        sa.select(sa.func.count()).select_from(Notice).join(Lsr, Lsr.id == Notice.lsr_id))


def test_a_batch_lsr_adds_only_its_mark_to_the_submission(app, heron, cli, park, monkeypatch):
    """Per LSR, a batch sends the submission's statements and the item's mark (on PostgreSQL
    the mark and the batch's count are one statement), and no savepoint or claim of its own:
    one transaction per LSR, as a single API LSR (issue 17: the batch path reuses its cost)."""
    from gateway.services.batches import runner

    per_lsr: list[list[str]] = []
    answer = runner.Runner.answer

    def counted(self, *args, **kwargs):
        with recorded_statements(app) as statements:
            try:
                return answer(self, *args, **kwargs)
            finally:
                per_lsr.append(statements)

    monkeypatch.setattr(runner.Runner, "answer", counted)
    bodies = [lsr(f"B{i}", an, tn) for i, (an, tn) in enumerate(park[:3])]
    assert heron.post("/api/v1/lsr-batches", {"lsrs": bodies}).status_code == 202
    work(cli)
    assert len(per_lsr) == 3
    for statements in per_lsr:
        kinds = [s.split()[0].upper() for s in statements]
        work_done = [s for s in statements if kinds[statements.index(s)] not in (
            "SAVEPOINT", "RELEASE")]
        # the item is not read nor claimed first: the submission's statements come first
        assert not any("lsr_batch_items" in s for s in work_done[:-2]), work_done[0][:90]
        if app.extensions["portgate_db"].engine.dialect.name == "postgresql":
            # here a transaction is a savepoint of the test's own (conftest `app`): one
            assert kinds.count("SAVEPOINT") == 1, statements
            # the submission's three, the mark with the batch's count
            assert len(work_done) == 3 + 1, [s[:90] for s in work_done]
            assert work_done[-1].startswith("WITH marked AS \n(UPDATE lsr_batch_items") \
                and "UPDATE lsr_batches " in work_done[-1], work_done[-1]
        else:
            # the submission's nine, the mark, the batch's count
            assert "SAVEPOINT" not in kinds and len(statements) <= 9 + 2, kinds
            assert statements[-2].startswith("UPDATE lsr_batch_items SET")


def test_an_lsr_answered_by_another_worker_meanwhile_is_skipped_and_nothing_of_it_kept(
        app, heron, cli, park, db_session, monkeypatch):
    """The item's mark makes an LSR answered once: a worker whose item another worker answered
    after it read the batch (a lease that ran out: there, refused after its tries) rolls its
    own LSR back, order and all, and does not count it again."""
    from gateway.errors import error_body
    from gateway.services.batches import runner

    bodies = [lsr(f"E{i}", an, tn) for i, (an, tn) in enumerate(park[:2])]
    batch = heron.post("/api/v1/lsr-batches", {"lsrs": bodies}).get_json()
    answer, outcomes = runner.Runner.answer, []

    def another_worker_first(self, batch_id, item, *args, **kwargs):
        if not outcomes:  # the other worker answers this item between our read and our answer
            with self.factory() as session, session.begin():
                assert self._mark(session.connection(), batch_id, item.id, "refused", None,
                                  error_body("internal_error", "elsewhere"))
        outcomes.append(answer(self, batch_id, item, *args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(runner.Runner, "answer", another_worker_first)
    work(cli)
    done = heron.get(f"/api/v1/lsr-batches/{batch['id']}").get_json()
    assert outcomes == ["skipped", "answered"]
    assert (done["status"], done["done"]) == ("done", 2)
    assert [(i["pon"], i["outcome"]) for i in done["items"]] == [
        ("E0", "refused"), ("E1", "created")]
    assert sorted(db_session.scalars(sa.select(Lsr.pon))) == ["E1"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("lsr.%"))) == 1


def simple(**changes):
    """The spec's simple port (account 884201, TN 5415550142, passcode "7713")."""
    return {**json.loads((EXAMPLES / "lsr-simple-port.json").read_text()), **changes}


def batched(api, cli, *bodies):
    """Send the LSRs as one batch, work it, and return its answered items."""
    batch = api.post("/api/v1/lsr-batches", {"lsrs": list(bodies)})
    assert batch.status_code == 202, batch.get_json()
    work(cli)
    done = api.get(f"/api/v1/lsr-batches/{batch.get_json()['id']}").get_json()
    assert done["status"] == "done", done
    return batch.get_json()["id"], done["items"]


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_batched_lsr_with_the_right_passcode_gets_its_foc_as_if_sent_alone(
        heron, cli, db_session):
    """§12.1: each LSR of a batch is checked exactly as if sent alone: the account's passcode
    is judged with the app's passcode key, so the right one passes (no R306, no failure
    counted toward the §4.5 lock, no false `enduser.passcode_failed` email)."""
    _, [item] = batched(heron, cli, simple())
    assert item["outcome"] == "created"
    assert item["lsr"]["status"] == "foc", item["lsr"]["rejects"]
    assert _count(db_session, Notice, Notice.event == "enduser.passcode_failed") == 0
    assert _count(db_session, PasscodeFailure) == 0


def test_a_batched_lsr_with_a_wrong_passcode_is_r306_and_counts_one_failure(
        heron, cli, db_session):
    _, [item] = batched(heron, cli, simple(passcode="0000"))
    assert [r["code"] for r in item["lsr"]["rejects"]] == ["R306"]
    assert _count(db_session, PasscodeFailure, PasscodeFailure.account_number == "884201") == 1
    assert _count(db_session, Notice, Notice.event == "enduser.passcode_failed") == 1
    # one failure locks nothing: the right passcode, batched, is still answered with an FOC
    _, [right] = batched(heron, cli, simple(pon="RIGHT"))
    assert right["lsr"]["status"] == "foc", right["lsr"]["rejects"]


def test_a_batch_focd_lsrs_end_user_notice_links_to_the_configured_base_url(
        app, heron, cli, park, db_session):
    """§11.2: the dispute link in the end user's port notice starts with BASE_URL (api-contract
    §1), on the batch path as on the single one (an account with no passcode)."""
    app.config["BASE_URL"] = "https://portgate.example.test"
    _, [item] = batched(heron, cli, lsr("LINK", *park[0]))
    assert item["lsr"]["status"] == "foc", item["lsr"]["rejects"]
    db_session.expire_all()
    [body] = db_session.scalars(sa.select(Notice.body).where(
        Notice.event == "enduser.port_notice", Notice.lsr_id == item["lsr"]["id"])).all()
    assert "https://portgate.example.test/stop/" in body, body
    assert "127.0.0.1:5000" not in body


def _csv_rows(api, batch_id):
    resp = api.get(f"/api/v1/lsr-batches/{batch_id}/results.csv")
    assert resp.status_code == 200
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True))))


def test_results_csv_hides_an_order_the_agent_may_not_read(heron, agent, cli, park,
                                                           db_session):
    """§1.1.1: an agent approved for `lsr` without `view` sends LSRs for the carrier but may
    not read them: its batch's results CSV keeps the PON and outcome and blanks the order, as
    the batch's JSON shows it null."""
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr")[0] == 0
    an, tn = park[0]
    batch_id, [item] = batched(agent, cli, lsr("AGLSR", an, tn, loa=LOA))
    assert (item["outcome"], item["lsr"]) == ("created", None)
    order_number = db_session.scalar(sa.select(Lsr.order_number).where(Lsr.pon == "AGLSR"))
    assert order_number
    rows = _csv_rows(agent, batch_id)
    assert rows[1:] == [["AGLSR", "created", "", "", "", ""]]
    assert order_number not in "".join(",".join(r) for r in rows)


def test_results_csv_hides_an_order_once_the_agents_approval_is_revoked(heron, agent, cli, park,
                                                                       db_session):
    assert cli("partner", "grant", "--carrier", "BHW", "--agent", "AGX",
               "--privilege", "lsr", "--privilege", "view")[0] == 0
    an, tn = park[0]
    batch_id, [item] = batched(agent, cli, lsr("AGREV", an, tn, loa=LOA))
    order = item["lsr"]
    assert order["status"] == "foc"
    assert _csv_rows(agent, batch_id)[1] == ["AGREV", "created", order["order_number"], "foc",
                                             order["foc"]["due_date"], ""]

    assert cli("partner", "revoke", "--carrier", "BHW", "--agent", "AGX")[0] == 0
    assert agent.get(f"/api/v1/lsr-batches/{batch_id}").get_json()["items"][0]["lsr"] is None
    rows = _csv_rows(agent, batch_id)
    assert rows[1:] == [["AGREV", "created", "", "", "", ""]]
    assert order["order_number"] not in "".join(",".join(r) for r in rows)
    # the carrier's own batch's CSV still shows its order in full
    own_id, [own] = batched(heron, cli, lsr("OWN", *park[1]))
    assert _csv_rows(heron, own_id)[1] == ["OWN", "created", own["lsr"]["order_number"], "foc",
                                           own["lsr"]["foc"]["due_date"], ""]


def test_csr_batch_answers_each_request_in_order(heron, db_session):
    resp = heron.post("/api/v1/csr-batches", {"requests": [
        {"tn": "5415550142", "agauth": "Y"}, {"tn": "5415550142", "agauth": "N"}]})
    assert resp.status_code == 201
    items = resp.get_json()["items"]
    assert [i["status"] for i in items] == ["returned", "rejected"]
    assert items[0]["csr"]["account_number"] == "884201"
    too_many = heron.post("/api/v1/csr-batches", {"requests": [{"tn": "5415550142"}] * 101})
    assert too_many.status_code == 400
    assert heron.post("/api/v1/csr-batches", {"requests": []}).status_code == 400
