"""Receive an LSR batch (business-rules §12.1): check its shape, record it queued, nothing else.

The background worker (`flask work`) answers its LSRs one by one; the batch's received time is
every LSR's receipt (§5.1) and issue day (§5.3)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.errors import InvalidInput
from gateway.models import LsrBatch, LsrBatchItem, Partner
from gateway.services import audit
from gateway.services.batches.files import MAX_LSRS, BadCsv, ParsedLsr, parse_csv, sup_reject
from gateway.services.identity.actors import Actor


def _sup_given(body: Mapping[str, Any]) -> bool:
    sup = body.get("sup")
    return sup is not None and not (isinstance(sup, str) and not sup.strip())


def json_objects(payload: Mapping[str, Any], key: str, most: int, noun: str
                 ) -> list[dict[str, Any]]:
    """`payload[key]` as a list of 1 to `most` JSON objects; 400 naming the first bad item."""
    items = payload.get(key)
    if not isinstance(items, list) or not 1 <= len(items) <= most:
        raise InvalidInput(f"{key} must be a list of 1 to {most} {noun} objects.",
                           fields={key: f"a list of 1 to {most} {noun}s"})
    bad = [i for i, body in enumerate(items) if not isinstance(body, dict)]
    if bad:
        raise InvalidInput(f"{key}[{bad[0]}] is not a JSON object.",
                           fields={f"{key}.{i}": "not an object" for i in bad[:10]})
    return items


def parse_json_lsrs(payload: Mapping[str, Any]) -> list[ParsedLsr]:
    """The LSRs of a JSON batch `{"lsrs": [...]}` (1–500 objects); 400 otherwise."""
    lsrs = json_objects(payload, "lsrs", MAX_LSRS, "LSR")
    return [ParsedLsr(dict(body), i + 1, edge_rejects=[sup_reject()] if _sup_given(body) else [])
            for i, body in enumerate(lsrs)]


def parse_csv_lsrs(data: bytes) -> list[ParsedLsr]:
    """The LSRs of a CSV batch; 400 `bad_csv` for the file's problems."""
    try:
        return parse_csv(data)
    except BadCsv as err:
        raise InvalidInput(err.message, code="bad_csv",
                           fields=err.fields or None) from None


def create_batch(session: Session, lsrs: Sequence[ParsedLsr], *, partner: Partner, actor: Actor,
                 now: datetime, channel: str, source: str,
                 filename: str | None = None) -> LsrBatch:
    """Record the batch queued with its items in order (the worker answers them)."""
    if actor.user_id is None:
        raise InvalidInput("A batch needs a signed-in partner user.")
    batch = LsrBatch(partner_id=partner.id, user_id=actor.user_id, channel=channel,
                     source=source, filename=(filename or "")[:200] or None, status="queued",
                     total=len(lsrs), done=0, received_at=now)
    batch.items = [LsrBatchItem(index=i, pon=(lsr.pon or "")[:40] or None, body=lsr.body,
                                edge_rejects=lsr.edge_rejects, attempts=0)
                   for i, lsr in enumerate(lsrs)]
    session.add(batch)
    session.flush()
    audit.record(session, actor, "lsr_batch.received", "lsr_batch", batch.id, now=now,
                 partner_id=partner.id, after={"status": "queued", "total": batch.total},
                 details={"channel": channel, "source": source, "filename": batch.filename})
    return batch
