"""Time-driven rules (`flask sweep`): expiry (§5.5), lock ends (§4.5), FOC clocks (§5.4),
escalation rises (§8.2) and NPAC's SV timers. Idempotent; safe from several processes."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import Account, JobLock, Lsr
from gateway.services.escalations.ladder import rise_overdue
from gateway.services.identity.actors import SYSTEM
from gateway.services.orders import transitions
from npac.interface import Registry
from validators.carrier_profile import CarrierProfile

# NPAC cancels an SV left pending or in conflict this long after its due date (the pending-SV
# retention and conflict-expiration tunables); orders that expire cancel theirs at once (§5.5).
SV_RETENTION = timedelta(days=30)


def _claim(session: Session, query):
    """Lock the rows due (PostgreSQL: skipping rows another transaction holds, e.g. an order
    being supplemented or activated right now — the next sweep takes them if still due)."""
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def _partly_active(registry: Registry, orders: list[Lsr]) -> set[int]:
    """Orders with a TN already activated to their NNSP (one NPAC query for all of them)."""
    tns = [tn for order in orders for tn in order.foc_tns]
    active = {(sv.tn, sv.new_spid) for sv in registry.subscriptions_for_tns(
        tns, statuses=["active"])} if tns else set()
    return {order.id for order in orders
            if any((tn, order.nnsp) in active for tn in order.foc_tns)}


def expire_orders(session: Session, registry: Registry, *, now: datetime) -> int:
    """Expire FOC orders whose porting window closed with nothing activated (§5.5).

    An order with some TNs active stays open: the new provider sets a new due date (SUP 2)
    for the rest, or removes them (SUP 3).
    """
    expired = 0
    due = _claim(session, sa.select(Lsr).where(Lsr.status == "foc", Lsr.window_ends_at < now))
    started = _partly_active(registry, due)
    for order in (o for o in due if o.id not in started):
        transitions.expire(session, registry, order, actor=SYSTEM, now=now)
        expired += 1
    return expired


def flag_overdue_focs(session: Session, *, now: datetime) -> int:
    """Flag orders awaiting staff whose FOC due time (§5.4) passed; tell the partner (jeopardy)."""
    flagged = 0
    for order in _claim(session, sa.select(Lsr).where(
            Lsr.status == "manual_review", Lsr.foc_due_at < now, Lsr.foc_overdue_at.is_(None))):
        transitions.flag_foc_overdue(session, order, actor=SYSTEM, now=now)
        flagged += 1
    return flagged


def end_locks(session: Session, *, now: datetime) -> int:
    """Clear passcode locks whose 24 hours are over."""
    result = session.execute(sa.update(Account).where(Account.locked_until <= now)
                             .values(locked_until=None))
    return result.rowcount or 0


def expire_stale_svs(registry: Registry, *, now: datetime) -> int:
    """Cancel SVs still pending or in conflict 30 days after their due date (NPAC timers)."""
    return registry.cancel_stale((now - SV_RETENTION).date(), now=now)


def run_sweep(session: Session, *, now: datetime, profile: CarrierProfile,
              registry: Registry | None = None) -> dict[str, int] | None:
    """Apply every rule that is due; None when another sweep holds the job (PostgreSQL)."""
    from npac.simulator import SqlRegistry

    registry = registry or SqlRegistry(session)
    if not hold_job_lock(session, "sweep", now=now):
        return None
    report = {"expired": expire_orders(session, registry, now=now),
              "foc_overdue": flag_overdue_focs(session, now=now),
              "locks_ended": end_locks(session, now=now),
              "escalations_risen": rise_overdue(session, now=now, profile=profile),
              "svs_canceled": expire_stale_svs(registry, now=now)}
    if session.bind.dialect.name == "sqlite":
        # SQLite never gathers planner statistics by itself; the periodic sweep keeps them
        # fresh (a no-op unless tables changed enough), as PostgreSQL's autovacuum does.
        session.execute(sa.text("PRAGMA optimize"))
    return report


def hold_job_lock(session: Session, name: str, *, now: datetime) -> bool:
    """Serialize runs of a job: the transaction's first statement locks the job's row.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` — a second run finds the row taken and stops at once
    (False). SQLite: the first write takes the database's write lock, so a second process
    waits (busy_timeout) and then finds nothing left due.
    """
    if session.bind.dialect.name == "postgresql":
        _ensure_lock_row(session, name)
        row = session.scalar(sa.select(JobLock).where(JobLock.name == name)
                             .with_for_update(skip_locked=True))
        if row is None:
            return False
        row.held_at = now
        session.flush()
        return True
    updated = session.execute(sa.update(JobLock).where(JobLock.name == name)
                              .values(held_at=now)).rowcount
    if not updated:
        _ensure_lock_row(session, name, held_at=now)
    return True


def _ensure_lock_row(session: Session, name: str, held_at: datetime | None = None) -> None:
    if session.get(JobLock, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(JobLock(name=name, held_at=held_at))
    except IntegrityError:  # another run created it first
        pass
