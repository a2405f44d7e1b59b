"""The JSON bodies of api-contract §4 (also what webhooks carry and pages show)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from gateway.models import CsrRequest, Lsr
from gateway.platform.security import passcode_digest
from gateway.services.orders.due_note import due_date_note


def iso(value: datetime | date | None) -> str | None:
    """ISO-8601 text; datetimes always in UTC with their offset, so answers compare equal."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat() if value is not None else None


def csr_body(req: CsrRequest) -> dict:
    due_met = None if req.due_at is None or req.answered_at is None \
        else req.answered_at <= req.due_at  # §3.5: the record shows the due time was met
    return {"id": req.id, "status": req.status, "received_at": iso(req.received_at),
            "due_at": iso(req.due_at), "answered_at": iso(req.answered_at), "due_met": due_met,
            "rejects": list(req.rejects or []), "csr": req.csr,
            "loa_id": req.loa_id}  # GET /api/v1/loas/<id> serves the file


def lsr_body(lsr: Lsr) -> dict:
    foc = None
    if lsr.foc_issued_at is not None and lsr.status not in ("rejected", "manual_review"):
        foc = {"due_date": iso(lsr.due_date), "due_time": lsr.due_time,
               "issued_at": iso(lsr.foc_issued_at),
               "tns": list(lsr.foc_tns or []), "disconnect_tns": list(lsr.disconnect_tns or []),
               "new_btn": lsr.new_btn}
    return {
        "id": lsr.id, "order_number": lsr.order_number, "ccna": lsr.ccna, "pon": lsr.pon,
        "ver": lsr.ver, "status": lsr.status, "port_type": lsr.port_type,
        "received_at": iso(lsr.received_at),
            "effective_received_at": iso(lsr.effective_received_at),
        "review_reason": lsr.review_reason, "review_rule": lsr.review_rule, "hold": lsr.hold,
        "cancel_reason": lsr.cancel_reason, "awaiting_partner": lsr.awaiting_partner,
        "foc": foc, "rejects": list(lsr.rejects or []),
        "due_date_note": due_date_note(lsr) if foc else None,
        "loa_id": lsr.loa_id,
        "history": [{"ver": v.ver, "sup": v.sup, "status": v.status, "at": iso(v.at),
                     "rejects": list(v.rejects or []), "due_date": iso(v.due_date)}
                    for v in lsr.versions],
        "clocks": {"foc_due_at": iso(lsr.foc_due_at),
                   "foc_overdue": lsr.foc_overdue_at is not None,
                   "window_ends_at": iso(lsr.window_ends_at) if foc else None},
    }


def stored_payload(body: dict) -> dict:
    """A request body as kept: every key but the LOA's content (kept in its own table) and the
    passcode, which is CPNI: only a keyed digest of it is kept (enough to tell duplicates)."""
    kept = {k: v for k, v in body.items() if k != "loa"}
    if isinstance(body.get("loa"), dict):
        kept["loa"] = {"filename": str(body["loa"].get("filename"))[:200]}
    passcode = body.get("passcode")
    if passcode is not None and not (isinstance(passcode, str) and not passcode.strip()) \
            and not is_passcode_digest(passcode):
        kept["passcode"] = {"digest": passcode_digest(str(passcode)[:64])}
    return kept


def is_passcode_digest(value) -> bool:
    """Tell whether a stored body's passcode is the digest stored_payload left in its place."""
    return isinstance(value, dict) and set(value) == {"digest"}
