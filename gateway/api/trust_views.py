"""Trust routes: LOA files for their partner and staff; the audit trail export for staff."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

from flask import Response, g, jsonify, request, send_file, stream_with_context

from gateway import clock, db
from gateway.api import bp, require_any, require_staff
from gateway.errors import InvalidInput, NotFound
from gateway.services import audit, cpni, policy
from gateway.services.csr import loas
from gateway.services.identity import people
from gateway.services.partners.directory import partner_by_ccna

OCTETS = "application/octet-stream"


@bp.get("/loas/<int:loa_id>")
def get_loa(loa_id: int):
    """The LOA file, to the partner that sent it, the carrier it acted for, and staff."""
    if not g.user.is_staff:  # then the one reading what the LOA authorized (visible_loa)
        require_any(("view", "lsr", "csr"))
    session = db.session()
    staff = g.user.is_staff
    scope = policy.STAFF if staff else policy.scope_for(session, g.actor)
    loa = loas.visible_loa(session, loa_id, scope, None if staff else g.user.privileges)
    if loa is None:
        raise NotFound(f"No LOA {loa_id}.")
    audit.record(session, g.actor, "loa.viewed", "loa", loa.id, now=clock.now(),
                 partner_id=loa.partner_id,
                 details={"sha256": loa.sha256, "account": cpni.loa_account(session, loa)})
    # the sniffed type, or application/octet-stream for a client that asks for bytes
    mimetype = request.accept_mimetypes.best_match([loa.content_type, OCTETS]) \
        or loa.content_type
    response = send_file(io.BytesIO(loa.data), mimetype=mimetype, as_attachment=True,
                         download_name=loas.safe_filename(loa.filename, loa.content_type),
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _instant(name: str) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD or a timestamp with offset.",
                           code="bad_request") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a UTC offset.", code="bad_request")
    return moment


def _filters() -> audit.AuditFilter:
    args = request.args
    ccna = (args.get("partner") or "").strip()
    partner_id = partner_by_ccna(db.session(), ccna).id if ccna else None
    return audit.AuditFilter(
        since=_instant("since"), until=_instant("until"),
        actor=(args.get("actor") or "").strip() or None,
        action=(args.get("action") or "").strip() or None,
        object_type=(args.get("object_type") or "").strip() or None,
        object_id=(args.get("object_id") or "").strip() or None, partner_id=partner_id,
        account=(args.get("account") or "").strip() or None)


def _paging() -> tuple[int, int]:
    try:
        page, per_page = int(request.args.get("page", 1)), int(request.args.get("per_page", 50))
    except ValueError:
        raise InvalidInput("page and per_page must be whole numbers.") from None
    if not 1 <= page <= 1_000_000 or not 1 <= per_page <= 200:
        raise InvalidInput("page must be between 1 and 1000000 and per_page between 1 and 200.")
    return page, per_page


@bp.get("/staff/audit")
def export_audit():
    """The audit trail with filters: JSON pages (default) or the whole selection as CSV."""
    require_staff()
    fmt = request.args.get("format", "json")  # exactly as documented: json or csv
    if fmt not in ("json", "csv"):
        raise InvalidInput("format must be json or csv.", code="bad_request")
    filters = _filters()
    session = db.session()
    if fmt == "json":
        page, per_page = _paging()
        items, total = audit.list_events(session, filters, page=page, per_page=per_page)
        audit.record_export(session, g.actor, filters, fmt=fmt, now=clock.now())
        persons = people.people(session, [e.actor_user_id for e in items])
        return jsonify({"items": [audit.event_dict(e, persons.get(e.actor_user_id or 0))
                                  for e in items], "page": page,
                        "per_page": per_page, "total": total})
    audit.record_export(session, g.actor, filters, fmt=fmt, now=clock.now())
    return _csv_response(filters)


def _csv_response(filters: audit.AuditFilter) -> Response:
    factory = db.database().sessionmaker

    def generate():
        with factory() as reader:  # its own session: the request's commits before streaming
            yield from audit.csv_lines(audit.iter_events(reader, filters),
                                       audit.person_lookup(reader))

    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=portgate-audit-{stamp}.csv",
        "Cache-Control": "private, no-store"})
