"""Real parallel clients on a SQLite file (the embedded default of `make run`): each request a
thread of a live server with its own connection, the writers queued on Portgate's writer lock
(gateway.platform.sqlite_writer). The decisions stay one at a time per TN (§2.4) and no
request is answered "database is locked"."""
from __future__ import annotations

import collections

import pytest
import sqlalchemy as sa

from gateway.models import Lsr, LsrTn
from tests.concurrency.conftest import at_once
from tests.security.world import FRESH_TNS, simple_port

pytestmark = pytest.mark.slow


def count(live, model, *where) -> int:
    with live.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_twenty_orders_for_one_tn_at_once_on_sqlite_get_one_foc(live_sqlite_app):
    """Different PONs for the same TN from 20 threads: one FOC, every other one R205."""
    tn = FRESH_TNS[2]
    bodies = [simple_port(tn, f"SQRACE{n}") for n in range(20)]
    answers = at_once([lambda b=b: live_sqlite_app.call("POST", "/api/v1/lsrs", b)
                       for b in bodies])
    assert all(status == 201 for status, _ in answers), answers
    outcomes = collections.Counter(a["status"] for _, a in answers)
    assert outcomes == {"foc": 1, "rejected": 19}, outcomes
    assert all(r["code"] == "R205" for _, a in answers if a["status"] == "rejected"
               for r in a["rejects"])
    assert count(live_sqlite_app, LsrTn, LsrTn.tn == tn) == 1


def test_twenty_different_accounts_at_once_on_sqlite_all_get_their_foc(live_sqlite_app):
    """20 simple ports of 20 accounts at once: every writer waits its turn, none is refused."""
    tns = FRESH_TNS[10:30]
    bodies = [simple_port(tn, f"SQMANY{n}") for n, tn in enumerate(tns)]
    answers = at_once([lambda b=b: live_sqlite_app.call("POST", "/api/v1/lsrs", b)
                       for b in bodies])
    assert [status for status, _ in answers] == [201] * 20, answers
    assert collections.Counter(a["status"] for _, a in answers) == {"foc": 20}
    assert count(live_sqlite_app, LsrTn, LsrTn.tn.in_(tns)) == 20
    assert count(live_sqlite_app, Lsr, Lsr.pon.like("SQMANY%"), Lsr.status == "foc") == 20
