"""On SQLite a new order that finds another connection writing is decided at once, while the
other writes, and the decision is kept only if its facts still hold once the order holds the
writer's lock: the commit log shows that nothing committed meanwhile changed its TNs' or
accounts' facts, or else the facts statement, run again, answers the same rows; with the lock
free the order takes it first and is decided under it (issue 17; docs/decisions.md). A file
database, so that the rival writes on a connection (and thread) of its own."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from gateway import clock, create_app
from gateway.models import Lsr, Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders import facts as facts_svc
from gateway.services.orders import submit as submit_svc
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from npac.simulator import SqlRegistry
from tests import pbx_account
from tests.conftest import _config

TNS = ["5035550001"]

@pytest.fixture
def app(tmp_path):
    """A SQLite file (several connections), not the suite's in-memory database."""
    application = create_app(_config(f"sqlite:///{tmp_path / 'early.db'}"))
    yield application
    application.extensions["portgate_db"].engine.dispose()


@pytest.fixture
def port_ready(app, heron, cli, tmp_path):
    """A one-TN account of the carrier's and the NPAC code that proves it the provider."""
    pbx_account.load_rows(cli, tmp_path, [
        "777001,5035550001,SOLO CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,5035550001,working,pots,N,"
        ",,N,",
        "777002,5035550002,DUO CO,2,,MAIN,ST,,,,PORTLAND,OR,97201,5035550002,working,pots,N,"
        ",,N,"])


def _lsr(pon: str, an: str = "777001", tns: list[str] = TNS) -> LsrRequest:
    return LsrRequest.parse({
        "ccna": "BHW", "pon": pon, "ver": "1", "an": an, "cc": "B451", "npdi": "C",
        "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y", "init": "Sam",
        "init_tel": "5419990123", "eu": {"zip": "97201"}, "tns": tns})


def _submit(app, pon: str, before_commit=lambda: None, **request) -> tuple[str, list[str]]:
    """Submit and commit on a session of its own (`before_commit` runs between the two);
    (status, reject codes)."""
    database = app.extensions["portgate_db"]
    with app.app_context():
        session = database.sessionmaker()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        ctx = OrderContext(session, SqlRegistry(session), partner, Actor(None, "test"),
                           clock.now(), carrier_profile(), passcode_key=passcode_key())
        order = submit_svc.submit(ctx, _lsr(pon, **request)).lsr
        result = order.status, [r["code"] for r in order.rejects]
        before_commit()
        session.commit()
        session.close()
    return result


@pytest.fixture
def decisions(monkeypatch):
    """Each decision (facts and rules) by PON, with whether its connection held the writer's
    lock then."""
    seen: list[tuple[str, bool]] = []
    real = submit_svc.decide

    def decide(ctx, order, req, *args, **kwargs):
        raw = ctx.session.connection().connection.driver_connection
        seen.append((req.pon, raw.writer_thread is not None))
        return real(ctx, order, req, *args, **kwargs)

    monkeypatch.setattr(submit_svc, "decide", decide)
    return seen


def test_with_the_lock_free_a_new_order_takes_it_and_is_decided_once_under_it(
        app, port_ready, decisions):
    assert _submit(app, "ALONE") == ("foc", [])
    assert decisions == [("ALONE", True)]


def test_while_another_writes_the_order_is_decided_and_its_facts_read_again_under_the_lock(
        app, port_ready, decisions, monkeypatch):
    """RIVAL holds the writer's lock (its FOC for the TN written, not committed) when LATE
    arrives: LATE is decided at once on what is committed (the TN free), and RIVAL commits
    while LATE's INSERT waits for the lock. Under it the facts differ, so LATE is decided
    again and gets R205 (the TN has an open order), not a second FOC."""
    holding, late_waits = threading.Event(), threading.Event()
    real_create = transitions.create_order

    def create_order(ctx, owner, pon, **kwargs):
        if pon == "LATE":
            late_waits.set()  # decided; its INSERT now waits for RIVAL's commit
        return real_create(ctx, owner, pon, **kwargs)

    monkeypatch.setattr(transitions, "create_order", create_order)
    rival: list[tuple[str, list[str]]] = []

    def hold_then_commit() -> None:
        rival.append(_submit(app, "RIVAL", before_commit=lambda: (
            holding.set(), late_waits.wait(10))))

    thread = threading.Thread(target=hold_then_commit)
    thread.start()
    assert holding.wait(10)
    try:
        assert _submit(app, "LATE") == ("rejected", ["R205"])
    finally:
        late_waits.set()
        thread.join(10)
    assert rival == [("foc", [])]
    assert decisions == [("RIVAL", True), ("LATE", False), ("LATE", True)]
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        statuses = dict(session.execute(sa.select(Lsr.pon, Lsr.status)).all())
        session.close()
    assert statuses == {"RIVAL": "foc", "LATE": "rejected"}


def _write_while_late_decides(app, monkeypatch, sql: str, pon: str) -> tuple[str, list[str]]:
    """Another connection runs `sql` (unkeyed: logged as "anything") and holds the writer's
    lock until `pon` has been decided, then commits while `pon`'s INSERT waits for it."""
    holding, release = threading.Event(), threading.Event()

    def other_write() -> None:
        engine = app.extensions["portgate_db"].engine
        with engine.begin() as conn:  # a write on another connection, lock held till commit
            conn.exec_driver_sql(sql)
            holding.set()
            release.wait(10)

    real_create = transitions.create_order

    def create_order(ctx, owner, pon, **kwargs):
        release.set()  # decided; now let the other writer commit
        return real_create(ctx, owner, pon, **kwargs)

    monkeypatch.setattr(transitions, "create_order", create_order)
    thread = threading.Thread(target=other_write)
    thread.start()
    assert holding.wait(10)
    try:
        return _submit(app, pon)
    finally:
        release.set()
        thread.join(10)


def test_while_another_writes_a_decision_whose_facts_hold_is_kept(
        app, port_ready, decisions, reread, monkeypatch):
    """The writer KEPT waits for changes nothing its facts read (an UPDATE of no account of
    its TN), but declared no keys: the facts are read again under the lock, are the same, and
    KEPT is decided once, before it."""
    assert _write_while_late_decides(
        app, monkeypatch, "UPDATE accounts SET contact_email = 'x@example.net' "
                          "WHERE account_number <> '777001'", "KEPT") == ("foc", [])
    assert reread == ["5035550001"]
    assert decisions == [("KEPT", False)]


@pytest.fixture
def reread(monkeypatch):
    """The PONs whose facts statement ran again under the writer's lock."""
    seen: list[str] = []
    real = facts_svc.facts_rows

    def facts_rows(session, registry, tns, **kwargs):
        seen.append(list(tns)[0])
        return real(session, registry, tns, **kwargs)

    monkeypatch.setattr(facts_svc, "facts_rows", facts_rows)
    return seen


def _rival_commits_while_late_decides(app, monkeypatch, rival: dict, late: dict
                                      ) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    """RIVAL's LSR holds the writer's lock (written, not committed) when LATE arrives; LATE is
    decided at once, and RIVAL commits while LATE's INSERT waits: (RIVAL's, LATE's) outcome."""
    holding, late_waits = threading.Event(), threading.Event()
    real_create = transitions.create_order

    def create_order(ctx, owner, pon, **kwargs):
        if pon == "LATE":
            late_waits.set()
        return real_create(ctx, owner, pon, **kwargs)

    monkeypatch.setattr(transitions, "create_order", create_order)
    outcome: list[tuple[str, list[str]]] = []
    thread = threading.Thread(target=lambda: outcome.append(_submit(
        app, "RIVAL", before_commit=lambda: (holding.set(), late_waits.wait(10)), **rival)))
    thread.start()
    assert holding.wait(10)
    try:
        decided = _submit(app, "LATE", **late)
    finally:
        late_waits.set()
        thread.join(10)
    return outcome[0], decided


def test_an_order_on_other_tns_and_accounts_committed_meanwhile_leaves_the_facts_unread(
        app, port_ready, decisions, reread, monkeypatch):
    """RIVAL ports the other account's TN: the commit log shows that nothing LATE's facts
    read has changed, so LATE keeps its early decision without running the facts statement
    again under the lock."""
    rival, late = _rival_commits_while_late_decides(
        app, monkeypatch, rival={"an": "777002", "tns": ["5035550002"]}, late={})
    assert rival == ("foc", []) and late == ("foc", [])
    assert decisions == [("RIVAL", True), ("LATE", False)]
    assert reread == []


def test_an_order_on_the_same_tn_committed_meanwhile_is_seen_in_the_log(
        app, port_ready, decisions, reread, monkeypatch):
    rival, late = _rival_commits_while_late_decides(app, monkeypatch, rival={}, late={})
    assert rival == ("foc", []) and late == ("rejected", ["R205"])
    assert reread == ["5035550001"]  # the log named its TN: read again, changed, decided again
    assert decisions == [("RIVAL", True), ("LATE", False), ("LATE", True)]


def test_a_write_of_the_same_account_by_another_path_makes_the_facts_read_again(
        app, port_ready, decisions, reread, monkeypatch):
    """A staff-like write of LATE's account (no key declared) commits while LATE waits: the
    facts are read again and the freeze it set is what LATE is decided on."""
    status, codes = _write_while_late_decides(
        app, monkeypatch, "UPDATE accounts SET port_freeze = 1 WHERE account_number = '777001'",
        "LATE")
    assert reread == ["5035550001"]
    assert status == "rejected" and codes  # the freeze's reject, not the early FOC
    assert decisions == [("LATE", False), ("LATE", True)]
