"""Time-driven rules (`flask sweep`): porting-window expiry (§5.5), lock ends (§4.5)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import Account, JobLock, Lsr, Partner
from gateway.services import audit, notices
from gateway.services.actors import SYSTEM
from gateway.services.escalations import rise_overdue
from gateway.services.lsr import _set_open_tns
from gateway.services.serialize import lsr_body
from npac.interface import Registry
from validators.profile import CarrierProfile


def expire_orders(session: Session, registry: Registry, *, now: datetime) -> int:
    """Expire FOC orders whose porting window closed without activation (§5.5)."""
    query = sa.select(Lsr).where(Lsr.status == "foc", Lsr.window_ends_at < now).with_for_update()
    expired = 0
    for order in session.scalars(query).all():
        order.status, order.closed_at, order.updated_at = "expired", now, now
        _set_open_tns(session, order, ())
        canceled = registry.cancel_pending(list(order.foc_tns), now=now)
        audit.record(session, SYSTEM, "lsr.expired", "lsr", order.id, now=now,
                     partner_id=order.owner_partner_id, before={"status": "foc"},
                     after={"status": "expired", "svs_canceled": canceled})
        notices.emit(session, "lsr.expired", session.get(Partner, order.owner_partner_id),
                     lsr_body(order), now=now, lsr_id=order.id,
                     subject=f"Expired: PON {order.pon}",
                     body=f"PON {order.pon} was not activated in its porting window; "
                          "send a new LSR.")
        expired += 1
    return expired


def end_locks(session: Session, *, now: datetime) -> int:
    """Clear passcode locks whose 24 hours are over."""
    result = session.execute(sa.update(Account).where(Account.locked_until <= now)
                             .values(locked_until=None))
    return result.rowcount or 0


def run_sweep(session: Session, *, now: datetime, profile: CarrierProfile,
              registry: Registry | None = None) -> dict[str, int]:
    """Apply every rule that is due; safe to run again (each step changes only what is due)."""
    from npac.simulator import SqlRegistry

    registry = registry or SqlRegistry(session)
    hold_job_lock(session, "sweep", now=now)
    report = {"expired": expire_orders(session, registry, now=now),
              "locks_ended": end_locks(session, now=now),
              "escalations_risen": rise_overdue(session, now=now, profile=profile)}
    return report


def hold_job_lock(session: Session, name: str, *, now: datetime) -> None:
    """Serialize runs of a job: the transaction's first statement writes the job's lock row.

    On PostgreSQL the row lock holds a second run until the first commits; on SQLite the first
    write takes the database's write lock at once (no stale read snapshot to upgrade).
    """
    updated = session.execute(sa.update(JobLock).where(JobLock.name == name)
                              .values(held_at=now)).rowcount
    if updated:
        return
    try:
        with session.begin_nested():
            session.add(JobLock(name=name, held_at=now))
    except IntegrityError:  # another run created the row first: wait on it like the others
        session.execute(sa.update(JobLock).where(JobLock.name == name).values(held_at=now))
