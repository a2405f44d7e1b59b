"""Dry-run validation of an LSR (api-contract §4.2): every check, nothing recorded, no clock.

It never judges a passcode that is given (business-rules §4.5): a wrong and a right one answer
alike, so a dry run cannot be used to guess one. It runs the same §7.5 duplicate checks as a
real submission (`submit.duplicate_refusal`)."""
from __future__ import annotations

from typing import Any

from gateway.errors import InvalidInput
from gateway.services.orders.context import OrderContext
from gateway.services.orders.request import LsrRequest
from gateway.services.orders.submit import (
    ExactDuplicate,
    decide,
    duplicate_refusal,
    own_order_for_pon,
)
from gateway.services.partners.directory import acting_owner


def dry_run(ctx: OrderContext, req: LsrRequest) -> dict[str, Any]:
    """Run the rules on the request as if received now; record nothing."""
    if req.is_supplement:
        raise InvalidInput("A dry run checks new LSRs and resubmissions, not supplements.")
    sender = ctx.sender()
    owner = acting_owner(ctx.session, sender, req.ccna, "lsr")
    existing = own_order_for_pon(ctx.session, owner, sender.id, req.pon, lock=False) \
        if req.pon else None
    duplicate_rejects: list[dict[str, Any]] = []
    if existing is not None:
        try:
            refusal = duplicate_refusal(existing, req)
        except ExactDuplicate:
            return _answer(existing.port_type, [], None, None, duplicate_of=existing.id)
        if refusal is not None:
            duplicate_rejects = list(refusal.extra.get("rejects", []))
    decision = decide(ctx, existing, req, received_at=ctx.now, lock=False,
                      judge_passcode=False)
    rejects = duplicate_rejects + [f.as_dict() for f in decision.findings]
    review = decision.review_reason if not rejects else None
    due = decision.due_date if not rejects and review is None else None
    return _answer(decision.port_type, rejects, due.isoformat() if due else None, review)


def _answer(port_type: str | None, rejects: list[dict[str, Any]], due_date: str | None,
            review_reason: str | None, duplicate_of: int | None = None) -> dict[str, Any]:
    return {"port_type": port_type, "rejects": rejects, "due_date": due_date,
            "review_reason": review_reason, "passcode_checked": False,
            "duplicate_of": duplicate_of}
