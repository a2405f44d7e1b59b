"""What a partner sees of its LSR batches (api-contract §4.2.1): progress, items, results."""
from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from gateway.models import Lsr, LsrBatch, LsrBatchItem
from gateway.services import policy
from gateway.services.identity.actors import Actor
from gateway.services.serialize import iso, lsr_body

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RESULT_HEADER = ["pon", "outcome", "order_number", "status", "due_date", "reject_codes"]


def get_batch(session: Session, batch_id: int, actor: Actor) -> LsrBatch | None:
    """The batch if the actor's partner sent it, else None (another partner's → 404)."""
    batch = session.get(LsrBatch, batch_id)
    if batch is None or actor.partner_id is None or batch.partner_id != actor.partner_id:
        return None
    return batch


def recent_batches(session: Session, actor: Actor, limit: int = 20) -> list[LsrBatch]:
    return list(session.scalars(sa.select(LsrBatch).where(
        LsrBatch.partner_id == actor.partner_id).order_by(LsrBatch.id.desc()).limit(limit)))


def answered_items(session: Session, batch: LsrBatch,
                   actor: Actor) -> list[tuple[LsrBatchItem, Lsr | None]]:
    """The items answered so far, in file order, with their orders (one query each kind); an
    order the actor may not read is None (§1.1.1: to an agent without the approval, or whose
    approval ended, as if it did not exist). Every view of a batch's results reads this."""
    items = list(session.scalars(sa.select(LsrBatchItem).where(
        LsrBatchItem.batch_id == batch.id, LsrBatchItem.outcome.is_not(None))
        .order_by(LsrBatchItem.index)))
    ids = {i.lsr_id for i in items if i.lsr_id is not None}
    orders = {o.id: o for o in session.scalars(sa.select(Lsr).where(Lsr.id.in_(ids)).options(
        selectinload(Lsr.versions)))} if ids else {}
    scope = policy.scope_for(session, actor)
    readable = {i: o for i, o in orders.items() if policy.may(scope, policy.Action.READ, o)}
    return [(item, readable.get(item.lsr_id) if item.lsr_id else None) for item in items]


def outcome_counts(session: Session, batch: LsrBatch) -> dict[str, int]:
    counts = Counter(dict(session.execute(sa.select(
        LsrBatchItem.outcome, sa.func.count()).where(
        LsrBatchItem.batch_id == batch.id, LsrBatchItem.outcome.is_not(None))
        .group_by(LsrBatchItem.outcome)).tuples().all()))
    return {k: counts.get(k, 0) for k in ("created", "duplicate", "refused")}


def batch_summary(session: Session, batch: LsrBatch) -> dict[str, Any]:
    """The batch without its items: the `lsr_batch.done` webhook's data and the progress poll."""
    return {"id": batch.id, "status": batch.status, "total": batch.total, "done": batch.done,
            "received_at": iso(batch.received_at), "finished_at": iso(batch.finished_at),
            "outcomes": outcome_counts(session, batch)}


def batch_body(session: Session, batch: LsrBatch, actor: Actor) -> dict[str, Any]:
    """GET /api/v1/lsr-batches/<id>: the batch and its answered items in file order; an order
    the actor may not read (§1.1.1: an agent whose approval ended) shows as null."""
    items = [{"index": item.index, "pon": item.pon, "outcome": item.outcome,
              "lsr": lsr_body(order) if order is not None else None, "error": item.error}
             for item, order in answered_items(session, batch, actor)]
    return {"id": batch.id, "status": batch.status, "total": batch.total, "done": batch.done,
            "received_at": iso(batch.received_at), "items": items}


def result_rows(session: Session, batch: LsrBatch, actor: Actor) -> list[list[Any]]:
    """results.csv: one row per LSR answered, in file order (§12.1); an order the actor may
    not read keeps its row's pon and outcome, and nothing of the order."""
    rows: list[list[Any]] = [RESULT_HEADER]
    for item, order in answered_items(session, batch, actor):
        if order is None:
            codes = [r.get("code", "") for r in
                     (item.error or {}).get("error", {}).get("rejects", [])]
            rows.append([item.pon or "", item.outcome, "", "", "", " ".join(codes)])
            continue
        rows.append([item.pon or "", item.outcome, order.order_number, order.status.value,
                     iso(order.due_date) or "",
                     " ".join(r.get("code", "") for r in order.rejects or [])])
    return rows


def results_csv(session: Session, batch: LsrBatch, actor: Actor) -> str:
    """The results file's text (cells that look like spreadsheet formulas neutralized)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in result_rows(session, batch, actor):
        cells = ["" if v is None else str(v) for v in row]
        writer.writerow(["'" + c if c.startswith(_FORMULA_START) else c for c in cells])
    return buffer.getvalue()


def result_table(session: Session, batch: LsrBatch, actor: Actor) -> list[dict[str, Any]]:
    """The portal's results rows: the order (when the actor may read it) and its outcome."""
    rows = []
    for item, order in answered_items(session, batch, actor):
        error = (item.error or {}).get("error") or {}
        rows.append({"index": item.index, "pon": item.pon, "outcome": item.outcome,
                     "order": order,
                     "codes": [r.get("code", "") for r in
                               (order.rejects if order is not None
                                else error.get("rejects", [])) or []],
                     "error": error.get("message")})
    return rows
