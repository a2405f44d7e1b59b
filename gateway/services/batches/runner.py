"""Work the queued LSR batches (business-rules §12.1), safe with several workers at once.

A worker leases one batch at a time (PostgreSQL `SKIP LOCKED`; a conditional UPDATE on both
databases) and answers its LSRs in file order, each in its own transaction: the LSR, its
notices and the item's outcome commit together, so a crash leaves every LSR either answered
and marked or untouched, and whoever takes the batch over resumes at the first unanswered one.
Leases run on wall-clock time: a frozen demo clock must not keep a dead worker's lease alive."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import Prepared, attached_copy
from gateway.errors import GatewayError, error_body
from gateway.models import LsrBatch, LsrBatchItem, Partner, User
from gateway.platform.token_cache import partner_snapshot
from gateway.services.batches.reads import batch_summary
from gateway.services.identity.actors import Actor
from gateway.services.orders import submit as lsr_svc
from gateway.services.orders.request import LsrRequest
from gateway.services.outbox import notices
from validators.findings import Finding

if TYPE_CHECKING:
    from gateway.platform.composition import OrderContexts

LEASE = timedelta(minutes=2)
RENEW = timedelta(seconds=20)  # renew (and re-check) the batch's lease this often
TRIES = 3  # an unexpected error on one LSR is retried, then the LSR is refused internal_error
log = logging.getLogger(__name__)


_ITEMS = cast(sa.Table, LsrBatchItem.__table__)
_BATCHES = cast(sa.Table, LsrBatch.__table__)
# one LSR's statements, built once (Core: no ORM state for the batch's rows on this path)
_RENEW = sa.update(_BATCHES).where(_BATCHES.c.id == sa.bindparam("batch_id"),
                                   _BATCHES.c.lease_owner == sa.bindparam("owner")) \
    .values(lease_until=sa.bindparam("until"))
# An item's mark, taken only while it is unanswered (the attempt counted, its id returned;
# the body may hold a passcode, CPNI: not kept once answered), then the batch's count; on the
# driver's cursor (`db.Prepared`), and on PostgreSQL one statement that counts only when the
# mark took: (mark and count as one statement, the mark alone), for answers and refusals.
_MARK = sa.update(_ITEMS).where(_ITEMS.c.id == sa.bindparam("item_id"),
                                _ITEMS.c.outcome.is_(None)) \
    .values(outcome=sa.bindparam("outcome"), lsr_id=sa.bindparam("lsr_id"), error=sa.null(),
            body=sa.null(), done_at=sa.bindparam("done_at"), attempts=_ITEMS.c.attempts + 1) \
    .returning(_ITEMS.c.id)
_DONE = sa.update(_BATCHES).where(_BATCHES.c.id == sa.bindparam("batch_id")) \
    .values(done=_BATCHES.c.done + 1)
_COUNT = Prepared(_DONE)


def _marking(mark: sa.Update) -> tuple[Prepared, Prepared]:
    marked = mark.cte("marked")
    return (Prepared(_DONE.where(sa.exists(sa.select(marked.c.id))).add_cte(marked)
                     .returning(_BATCHES.c.id)), Prepared(mark))


_ANSWERED, _REFUSED = _marking(_MARK), _marking(_MARK.values(error=sa.bindparam("error")))


@dataclass(frozen=True)
class _Item:
    """An unanswered LSR of a batch, as read when the worker took the batch."""

    id: int
    body: dict | None
    edge_rejects: list | None


class _AnsweredElsewhere(Exception):
    """The item was answered by another worker meanwhile: this LSR's transaction rolls back."""


class _Refused(Exception):
    """A §7.5 refusal of a batch's LSR: its transaction is rolled back, and the item is marked
    refused in a transaction of its own."""

    def __init__(self, error: dict) -> None:
        super().__init__(error)
        self.error = error


class LeaseLost(Exception):
    """The batch's lease passed to another worker: this one stops, writing nothing more."""


def wall() -> datetime:
    """Wall-clock time, for leases only (never for a business rule)."""
    return datetime.now(UTC)


@dataclass
class BatchReport:
    batches: int = 0
    lsrs: int = 0


@dataclass(frozen=True)
class Runner:
    """What working a batch needs: sessions, the app's order contexts (the same collaborators
    as a single LSR's: registry, profile, BASE_URL, passcode key), the clock."""

    factory: sessionmaker
    contexts: OrderContexts
    now: Callable[[], datetime]
    worker: str

    def run_all(self) -> BatchReport:
        """Work every batch that is queued (or left by a dead worker) to its end."""
        report = BatchReport()
        while (batch_id := self.claim()) is not None:
            report.lsrs += self.run(batch_id)
            report.batches += 1
        return report

    def claim(self) -> int | None:
        """Lease the oldest unfinished batch that no live worker holds."""
        with self.factory() as session, session.begin():
            at = wall()
            free = sa.or_(LsrBatch.lease_until.is_(None), LsrBatch.lease_until < at)
            query = sa.select(LsrBatch.id).where(LsrBatch.status != "done", free) \
                .order_by(LsrBatch.id).limit(1)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            batch_id = session.scalar(query)
            if batch_id is None:
                return None
            taken = session.execute(
                sa.update(LsrBatch).where(LsrBatch.id == batch_id, free).values(
                    lease_owner=self.worker, lease_until=at + LEASE, status="running",
                    started_at=sa.func.coalesce(LsrBatch.started_at, self.now()))).rowcount
            return batch_id if taken == 1 else None

    def run(self, batch_id: int) -> int:
        """Answer the batch's unanswered LSRs in file order; finish it. Returns how many."""
        with self.factory() as session:
            batch = session.get(LsrBatch, batch_id)
            assert batch is not None
            user = session.get(User, batch.user_id)
            assert user is not None
            actor = Actor.from_user(user)
            received_at, partner_id = batch.received_at, batch.partner_id
            partner = partner_snapshot(session.get_one(Partner, partner_id))
            pending = [_Item(*row) for row in session.execute(
                sa.select(LsrBatchItem.id, LsrBatchItem.body, LsrBatchItem.edge_rejects)
                .where(LsrBatchItem.batch_id == batch_id, LsrBatchItem.outcome.is_(None))
                .order_by(LsrBatchItem.index))]
        answered, renewed = 0, wall()
        for item in pending:
            renew = wall() - renewed >= RENEW
            renewed = wall() if renew else renewed
            if renew:  # the partner as it is now, at most RENEW old
                with self.factory() as session:
                    partner = partner_snapshot(session.get_one(Partner, partner_id))
            outcome = self._answer_with_retries(batch_id, item, partner, actor,
                                                received_at, renew)
            if outcome == "lost":  # another worker took the batch over
                return answered
            answered += outcome == "answered"
        self.finish(batch_id)
        return answered

    def _answer_with_retries(self, batch_id: int, item: _Item, partner: Partner,
                             actor: Actor, received_at: datetime, renew: bool) -> str:
        for attempt in range(1, TRIES + 1):
            try:
                return self.answer(batch_id, item, partner, actor, received_at, renew=renew)
            except LeaseLost:
                return "lost"
            except Exception:  # a bug or a lost connection: nothing of this LSR was kept
                log.exception("batch %s item %s: try %s failed", batch_id, item.id, attempt)
        return self._refuse(batch_id, item.id, error_body(
            "internal_error", "The LSR could not be processed; send it again on its own."))

    def answer(self, batch_id: int, item: _Item, partner: Partner, actor: Actor,
               received_at: datetime, *, renew: bool = True) -> str:
        """Answer one LSR in one transaction: "answered" or "skipped" (answered already);
        with `renew`, extend the batch's lease, or raise LeaseLost (nothing written) when
        another worker holds the batch now. Whatever the lease, the item's mark is what makes
        an LSR answered once: it takes only while the item is unanswered (the row's lock and
        `outcome IS NULL`, re-checked by PostgreSQL on the row as committed), and when it
        does not take, the LSR's whole transaction rolls back. A refused LSR's transaction
        is rolled back too, and the item marked refused in a second one."""
        try:
            with self.factory() as session, session.begin():
                connection = session.connection()
                self._renew(connection, batch_id, renew)
                outcome, lsr_id = self._submit(session, item.body, item.edge_rejects, partner,
                                               actor, received_at)
                if not self._mark(connection, batch_id, item.id, outcome, lsr_id):
                    raise _AnsweredElsewhere(item.id)
                return "answered"
        except _AnsweredElsewhere:
            return "skipped"
        except _Refused as refused:  # nothing of the LSR was kept, as alone (409)
            return self._refuse(batch_id, item.id, refused.error, renew=renew)

    def _refuse(self, batch_id: int, item_id: int, error: dict, *, renew: bool = False) -> str:
        """Mark the item refused with `error` in a transaction of its own (its LSR kept
        nothing): "answered", or "skipped" when another worker answered it meanwhile."""
        with self.factory() as session, session.begin():
            connection = session.connection()
            self._renew(connection, batch_id, renew)
            return "answered" if self._mark(connection, batch_id, item_id, "refused", None,
                                            error) else "skipped"

    def _mark(self, connection: sa.Connection, batch_id: int, item_id: int, outcome: str,
              lsr_id: int | None, error: dict | None = None) -> bool:
        """Mark the item answered (refused with `error`) and count it in its batch, if it was
        still unanswered; tell whether it was."""
        values = {"item_id": item_id, "outcome": outcome, "lsr_id": lsr_id,
                  "done_at": self.now(), "batch_id": batch_id, "error": error}
        both, alone = _ANSWERED if error is None else _REFUSED
        if connection.dialect.name == "postgresql":
            return bool(both.execute(connection, values))
        if not alone.execute(connection, values):
            return False
        _COUNT.execute(connection, values)
        return True

    def _renew(self, connection: sa.Connection, batch_id: int, renew: bool) -> None:
        """With `renew`, extend the batch's lease, or raise LeaseLost."""
        if renew and not connection.execute(_RENEW, {
                "batch_id": batch_id, "owner": self.worker, "until": wall() + LEASE}).rowcount:
            raise LeaseLost(batch_id)

    def _submit(self, session: Session, body: dict | None, edge_rejects: list | None,
                partner: Partner, actor: Actor, received_at: datetime) -> tuple[str, int]:
        """The same submission as a single LSR, at the batch's received time (§12.1); a §7.5
        refusal raises _Refused (the caller's transaction then rolls back whole)."""
        ctx = self.contexts(session, attached_copy(session, partner), actor, self.now(),
                            channel="batch")
        edge = [Finding(r["code"], r["field"], r["message"]) for r in edge_rejects or []]
        try:
            result = lsr_svc.submit(ctx, LsrRequest.parse(body or {}), received_at=received_at,
                                    issued_at=received_at, edge_findings=edge)
        except GatewayError as err:
            raise _Refused(error_body(err.code, err.message, **err.extra)) from None
        return ("created" if result.created else "duplicate"), result.lsr.id

    def finish(self, batch_id: int) -> bool:
        """Close a batch whose LSRs are all answered and notify `lsr_batch.done`, once."""
        with self.factory() as session, session.begin():
            left = session.scalar(sa.select(sa.func.count()).where(
                LsrBatchItem.batch_id == batch_id, LsrBatchItem.outcome.is_(None)))
            if left:
                return False
            closed = session.execute(sa.update(LsrBatch).where(
                LsrBatch.id == batch_id, LsrBatch.status != "done").values(
                status="done", finished_at=self.now(), lease_owner=None,
                lease_until=None)).rowcount
            if not closed:
                return False
            batch = session.get(LsrBatch, batch_id)
            assert batch is not None
            session.refresh(batch)
            _notify_done(session, batch, now=self.now())
            return True


def _notify_done(session: Session, batch: LsrBatch, *, now: datetime) -> None:
    """`lsr_batch.done` to the sending partner's webhook and the user who sent it."""
    summary = batch_summary(session, batch)
    counts = summary["outcomes"]
    user = session.get(User, batch.user_id)
    notices.emit(session, "lsr_batch.done", session.get(Partner, batch.partner_id), summary,
                 now=now, subject=f"Batch {batch.id} done: {batch.total} LSRs",
                 body=f"Batch {batch.id} ({batch.total} LSRs) is done: {counts['created']} "
                      f"recorded, {counts['duplicate']} duplicates, {counts['refused']} "
                      "refused. The results are on the batch's page and in its results CSV.",
                 emails=[user.email] if user is not None and user.email else None)
