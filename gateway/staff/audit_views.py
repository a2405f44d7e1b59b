"""The audit trail page (issue 8's export, on screen): who did and who saw what, filtered."""
from __future__ import annotations

from datetime import date, datetime

from flask import render_template, request

from gateway import db
from gateway.errors import GatewayError
from gateway.services import audit, cpni
from gateway.services.identity import people
from gateway.services.orders.queries import Page
from gateway.services.partners.directory import partner_by_ccna
from gateway.staff import bp
from gateway.staff.common import page_arg, user_zone
from validators.calendar import day_start_utc

FILTER_KEYS = ("partner", "cpni", "since", "until", "actor", "action", "account")


def _day(name: str, *, end: bool = False) -> datetime | None:
    """The start of the day the box names, in the zone the page shows times in (its end, the
    next day's start, with `end`); None when empty or not a date (9999-12-31 has no end)."""
    raw = (request.args.get(name) or "").strip()
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day_start_utc(day, user_zone(), after=end) if day else None


def _text(name: str) -> str | None:
    return (request.args.get(name) or "").strip()[:80] or None


@bp.get("/audit")
def audit_trail():
    """Newest first; `cpni=1` keeps the CPNI reads (business-rules §1.3.3) only."""
    session, error, partner_id = db.session(), None, None
    ccna = _text("partner")
    if ccna:
        try:
            partner_id = partner_by_ccna(session, ccna).id
        except GatewayError as err:
            error = err.message
    cpni_only = request.args.get("cpni") == "1"
    filters = audit.AuditFilter(
        since=_day("since"), until=_day("until", end=True),
        actor=_text("actor"), action=_text("action"), account=_text("account"),
        partner_id=partner_id, actions=cpni.CPNI_READS if cpni_only else None)
    page, per_page = page_arg()
    items, total = ([], 0) if error else audit.list_events(
        session, filters, page=page, per_page=per_page, newest_first=True)
    # the pager's links keep the filters, and nothing else (a key such as `endpoint` would
    # be taken by url_for itself)
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    # who acted, with full name and phone (§1.3.2): one query for the page's rows
    names = people.labels(session, [e.actor_user_id for e in items])
    return render_template("staff/audit.html", page=Page(items, page, per_page, total),
                           args=args, cpni_only=cpni_only, error=error, names=names
                           ), 400 if error else 200
