"""The subscription version lifecycle (business-rules §9.2-§9.4)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from npac.errors import InvalidTransition, UnknownSubscription
from npac.models import SubscriptionVersion

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
DUE = date(2026, 11, 25)
LATER = NOW + timedelta(days=2)
TN = "5415550142"


def _create(registry, concur=True, spid="B451"):
    return registry.create_subscription(TN, spid, "5419990000", DUE, now=NOW, concur=concur)


def test_sv_covered_by_an_foc_is_pending_and_concurred(registry, holders):
    sv = _create(registry)
    assert (sv.status, sv.concurred, sv.conflict_cause) == ("pending", True, None)
    assert (sv.old_spid, sv.new_spid, sv.due_date, sv.created_at) == ("CT01", "B451", DUE, NOW)
    assert registry.get_subscription(sv.id) == sv


def test_sv_without_an_foc_goes_to_conflict_lsr_not_received(registry, holders):
    sv = _create(registry, concur=False)
    assert (sv.status, sv.concurred, sv.conflict_cause) == ("conflict", False, 50)


def test_sv_on_unknown_npa_nxx_has_no_old_spid(registry):
    sv = registry.create_subscription("2125550100", "B451", "5419990000", DUE, now=NOW,
                                      concur=True)
    assert sv.old_spid is None


def test_activation_makes_the_previous_active_sv_old(registry, holders):
    first = registry.activate(_create(registry).id, now=NOW)
    second = _create(registry, spid="SW01")
    assert second.old_spid == "B451"
    active = registry.activate(second.id, now=LATER)
    assert (active.status, active.activated_at) == ("active", LATER)
    assert registry.get_subscription(first.id).status == "old"
    assert registry.current_providers([TN])[TN].spid == "SW01"


def test_activation_refused_without_concurrence(registry, holders):
    sv = _create(registry, concur=False)
    with pytest.raises(InvalidTransition):
        registry.activate(sv.id, now=NOW)
    assert registry.get_subscription(sv.id).status == "conflict"


@pytest.mark.parametrize("step", ["activate", "cancel", "put_in_conflict"])
def test_finished_sv_refuses_further_steps(registry, holders, step):
    sv = registry.cancel(_create(registry).id, now=NOW)
    args = (sv.id, 50) if step == "put_in_conflict" else (sv.id,)
    with pytest.raises(InvalidTransition):
        getattr(registry, step)(*args, now=LATER)


def test_active_sv_cannot_be_canceled(registry, holders):
    sv = registry.activate(_create(registry).id, now=NOW)
    with pytest.raises(InvalidTransition):
        registry.cancel(sv.id, now=LATER)


def test_cancel_of_conflict_sv_records_the_time(registry, holders):
    sv = registry.cancel(_create(registry, concur=False).id, now=LATER)
    assert (sv.status, sv.canceled_at, sv.updated_at) == ("canceled", LATER, LATER)


def test_concurrence_resolves_a_conflict(registry, holders):
    sv = registry.concur(_create(registry, concur=False).id, now=LATER)
    assert (sv.status, sv.concurred, sv.conflict_cause) == ("pending", True, None)
    assert registry.activate(sv.id, now=LATER).status == "active"


def test_staff_conflict_stops_activation(registry, holders):
    sv = registry.put_in_conflict(_create(registry).id, 1, now=LATER)
    assert (sv.status, sv.concurred, sv.conflict_cause) == ("conflict", False, 1)
    with pytest.raises(InvalidTransition):
        registry.put_in_conflict(sv.id, 1, now=LATER)


def test_unknown_subscription_is_reported(registry):
    assert registry.get_subscription(999_999) is None
    with pytest.raises(UnknownSubscription):
        registry.activate(999_999, now=NOW)


def test_cancel_pending_cancels_open_svs_in_one_statement(registry, holders, statements):
    pending = _create(registry)
    conflict = registry.create_subscription("5415550143", "B451", "5419990000", DUE, now=NOW,
                                            concur=False)
    active = registry.activate(registry.create_subscription(
        "5415550144", "B451", "5419990000", DUE, now=NOW, concur=True).id, now=NOW)
    statements.clear()
    assert registry.cancel_pending([TN, "5415550143", "5415550144"], now=LATER) == 2
    assert len(statements) == 1
    assert registry.get_subscription(pending.id).status == "canceled"
    assert registry.get_subscription(conflict.id).canceled_at == LATER
    assert registry.get_subscription(active.id).status == "active"
    assert registry.cancel_pending([], now=LATER) == 0


def test_cancel_pending_of_one_new_provider_leaves_the_others_svs(registry, holders,
                                                                  statements):
    ours = _create(registry)
    theirs = registry.create_subscription(TN, "SW01", "5039990000", DUE, now=NOW, concur=False)
    statements.clear()
    assert registry.cancel_pending([TN], now=LATER, new_spid="B451") == 1
    assert len(statements) == 1
    assert registry.get_subscription(ours.id).status == "canceled"
    assert registry.get_subscription(theirs.id).status == "conflict"


def test_database_refuses_a_second_active_sv_for_a_tn(registry, holders, session, conn):
    registry.activate(_create(registry).id, now=NOW)
    table = SubscriptionVersion.__table__
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(table.insert().values(tn=TN, new_spid="SW01", lrn="5419990000",
                                           status="active", concurred=True,
                                           created_at=NOW, updated_at=NOW))
    assert session.scalar(sa.select(sa.func.count()).select_from(table)
                          .where(table.c.status == "active")) == 1
