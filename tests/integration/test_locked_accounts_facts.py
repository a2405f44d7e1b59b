"""PostgreSQL: the facts statement of a decision that holds its accounts' locks reads the
accounts the lock found, instead of looking up the TNs' holders a second time (issue 17: 500
index probes fewer for a 500-TN LSR). The rows it answers are the rows the look-up answers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway import clock
from gateway.models import Partner
from gateway.platform.carrier_profile import carrier_profile
from gateway.platform.passcodes import passcode_key
from gateway.services.identity.actors import Actor
from gateway.services.orders import facts as facts_svc
from gateway.services.orders import transitions
from gateway.services.orders.context import OrderContext
from npac.simulator import SqlRegistry
from tests import pbx_account

# two TNs of one account, one of another, and a TN no account holds
ASKED = ["5035550001", "5035550002", "5035550003", "5035559999"]


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request):
    """Only PostgreSQL locks accounts' rows (SQLite has one writer at a time)."""
    return request.param


@pytest.fixture
def accounts(heron, cli, tmp_path):
    address = "1,,MAIN,ST,,,,PORTLAND,OR,97201"
    pbx_account.load_rows(cli, tmp_path, [
        *(f"777001,5035550001,DUO CO,{address},{tn},working,pots,N,,,N,"
          for tn in ("5035550001", "5035550002", "5035550010")),
        f"777002,5035550003,SOLO CO,{address},5035550003,working,pots,N,,,N,"])


def _context(db_session) -> OrderContext:
    partner = db_session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    return OrderContext(db_session, SqlRegistry(db_session), partner, Actor(None, "test"),
                        clock.now(), carrier_profile(), passcode_key=passcode_key())


def _rows(session, accounts=None, tns=ASKED):
    return sorted(facts_svc._rows(session, tns, folded=True, now=clock.now(), spids=["CT01"],
                                  exclude_lsr_id=None, risk=None, addressees=None,
                                  accounts=accounts), key=repr)


def test_the_lock_reports_the_accounts_it_locked(accounts, db_session):
    assert facts_svc.lock_accounts(db_session, ASKED) == ["777001", "777002"]


def test_facts_read_on_the_locked_accounts_are_the_facts_read_by_look_up(accounts, db_session):
    looked_up = _rows(db_session)
    given = _rows(db_session, accounts=facts_svc.lock_accounts(db_session, ASKED))
    assert given == looked_up
    kinds = {(row.kind, row.key) for row in given}
    assert {("tns", "777001"), ("tns", "777002"), ("account", "777001"),
            ("account", "777002")} <= kinds
    # every TN of the accounts, the one not asked for among them (§6: a partial port)
    [duo] = [row for row in given if (row.kind, row.key) == ("tns", "777001")]
    assert sorted(duo.t1.split(",")) == ["5035550001:working", "5035550002:working",
                                         "5035550010:working"]


def test_the_new_orders_insert_hands_its_locked_accounts_to_the_decision(accounts, db_session):
    ctx = _context(db_session)
    order = transitions.create_order(ctx, ctx.sender(), "LOCKED1", received_at=ctx.now,
                                     lock_tns=ASKED)
    assert order is not None
    assert sorted(ctx.cache.locked_accounts) == ["777001", "777002"]
    assert ctx.cache.locked_tns == frozenset(ASKED)


def test_an_order_whose_tns_no_account_holds_locks_none(accounts, db_session):
    ctx = _context(db_session)
    order = transitions.create_order(ctx, ctx.sender(), "LOCKED2", received_at=ctx.now,
                                     lock_tns=["5035559999"])
    assert order is not None and ctx.cache.locked_accounts == ()
    unknown = ["5035559999"]
    assert _rows(db_session, accounts=[], tns=unknown) == _rows(db_session, tns=unknown)
    assert not any(row.kind in ("tns", "account") for row in _rows(db_session, [], unknown))
