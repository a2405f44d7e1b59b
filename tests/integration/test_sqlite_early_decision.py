"""On SQLite a new order is decided before its transaction's first write, outside the single
writer's lock, and the decision is kept only if the facts statement, run again under the lock,
answers the same rows (issue 17; docs/decisions.md). A file database, so that a rival can
commit on a connection of its own between the two."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway import clock, create_app
from gateway.models import Lsr, Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders import submit as submit_svc
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from npac.simulator import SqlRegistry
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
    (tmp_path / "accounts.csv").write_text(
        "account_number,btn,customer_name,sano,sasd,sasn,sath,sass,ld1,lv1,city,state,zip,tn,"
        "tn_status,service_class,une,resale_spid,passcode,port_freeze,contact_email\n"
        "777001,5035550001,SOLO CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,5035550001,working,pots,N,"
        ",,N,\n")
    (tmp_path / "codes.csv").write_text("npa_nxx,spid,lrn\n503555,CT01,5035550000\n")
    assert cli("import-accounts", tmp_path / "accounts.csv")[0] == 0
    assert cli("npac", "import-codes", tmp_path / "codes.csv")[0] == 0


def _lsr(pon: str) -> LsrRequest:
    return LsrRequest.parse({
        "ccna": "BHW", "pon": pon, "ver": "1", "an": "777001", "cc": "B451", "npdi": "C",
        "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y", "init": "Sam",
        "init_tel": "5419990123", "eu": {"name": "SOLO CO", "zip": "97201"}, "tns": TNS})


def _submit(app, pon: str) -> tuple[str, list[str]]:
    """Submit and commit on a session of its own; (status, reject codes)."""
    database = app.extensions["portgate_db"]
    with app.app_context():
        session = database.sessionmaker()
        partner = session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
        ctx = OrderContext(session, SqlRegistry(session), partner, Actor(None, "test"),
                           clock.now(), carrier_profile(), passcode_key=passcode_key())
        order = submit_svc.submit(ctx, _lsr(pon)).lsr
        result = order.status, [r["code"] for r in order.rejects]
        session.commit()
        session.close()
    return result


@pytest.fixture
def decisions(monkeypatch):
    """Each decision (facts and rules), with whether its connection had begun writing (SQLite
    then holds the writer's lock)."""
    seen: list[bool] = []
    real = submit_svc.decide

    def decide(ctx, *args, **kwargs):
        seen.append(ctx.session.connection().connection.driver_connection.in_transaction)
        return real(ctx, *args, **kwargs)

    monkeypatch.setattr(submit_svc, "decide", decide)
    return seen


def test_a_new_order_is_decided_before_the_writer_lock_and_the_decision_kept(
        app, port_ready, decisions):
    assert _submit(app, "EARLY") == ("foc", [])
    # decided once, on a connection that had not begun writing (no writer lock)
    assert decisions == [False]


def test_an_order_committed_for_the_tn_before_the_lock_makes_the_decision_again(
        app, port_ready, decisions, monkeypatch):
    """Between the early decision and the order's first write a rival's FOC for the same TN
    commits on another connection: the facts differ under the lock, the order is decided
    again on them, and gets R205 (the TN has an open order), not a second FOC."""
    real_create = transitions.create_order
    rival: list[tuple[str, list[str]]] = []

    def create_order(ctx, *args, **kwargs):
        if not rival and args[1] == "LATE":
            rival.append(_submit(app, "RIVAL"))  # its own session, connection and commit
        return real_create(ctx, *args, **kwargs)

    monkeypatch.setattr(transitions, "create_order", create_order)
    assert _submit(app, "LATE") == ("rejected", ["R205"])
    assert rival == [("foc", [])]
    # LATE: decided early (not writing), then again under the lock (writing); RIVAL once early
    assert decisions == [False, False, True]
    with app.app_context():
        session = app.extensions["portgate_db"].sessionmaker()
        statuses = dict(session.execute(sa.select(Lsr.pon, Lsr.status)).all())
        session.close()
    assert statuses == {"RIVAL": "foc", "LATE": "rejected"}
