"""Dry-run validation of an LSR (api-contract §4.2): every check, nothing recorded."""
from __future__ import annotations

import sqlalchemy as sa

from gateway.models import Lsr
from gateway.services.orders.submit import PON_RE, Context, decide, reject_entry
from gateway.services.partners.directory import acting_owner
from validators.fields import text_of


def dry_run(ctx: Context, body: dict) -> dict:
    """Run the rules on the body as if received now; no clock starts, no passcode counts."""
    owner = acting_owner(ctx.session, ctx.partner, text_of(body, "ccna"), "lsr")
    pon = text_of(body, "pon")
    existing = None
    if pon and PON_RE.match(pon):
        existing = ctx.session.scalar(sa.select(Lsr).where(
            Lsr.owner_partner_id == owner.id, Lsr.pon == pon))
    probe = existing or Lsr(id=None)
    decision = decide(ctx, probe, body, received_at=ctx.now, lock=False)
    rejects = [f.as_dict() for f in decision.findings]
    if existing is not None:
        rejects = _duplicate_rejects(existing, body) + rejects
    due = decision.due_date if not rejects else None
    return {"port_type": decision.port_type, "rejects": rejects,
            "due_date": due.isoformat() if due else None}


def _duplicate_rejects(existing: Lsr, body: dict) -> list[dict]:
    """What §7.5 would say about sending this body as a new LSR on the PON."""
    if any(v.ver == body.get("ver") for v in existing.versions):
        return [reject_entry("R507")]
    if existing.status in ("foc", "manual_review"):
        return [reject_entry("R508")]
    if existing.status in ("canceled", "expired", "completed"):
        return [reject_entry("R509")]
    return []
