"""Read models for dashboards: counts computed in the database, a handful of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import AuditEvent, CsrRequest, Lsr, LsrVersion, Partner
from gateway.services.desk import queue
from gateway.services.escalations import desk as escalation_desk
from gateway.services.orders import tiles
from gateway.services.orders.tiles import Moment, OrderSet
from gateway.services.policy import Scope, lsr_clause


@dataclass
class PartnerSummary:
    tiles: list[tuple[OrderSet, int]]  # each tile with its count (the list's own condition)
    recent: list = field(default_factory=list)


def partner_summary(session: Session, scope: Scope, moment: Moment) -> PartnerSummary:
    """The dashboard's tiles (open orders, due today and this week, rejects awaiting a fix,
    overdue FOC clocks) of the orders the partner may see (business-rules §1.1.1)."""
    visible = lsr_clause(scope)
    counts = tiles.count_sets(session, visible, moment)
    recent = session.scalars(sa.select(Lsr).where(visible)
                             .order_by(Lsr.updated_at.desc()).limit(10)).all()
    return PartnerSummary([(s, counts[k]) for k, s in tiles.ORDER_SETS.items()],
                          recent=list(recent))


def staff_summary(session: Session, *, now: datetime) -> dict[str, int]:
    """Counts for the desk's tiles: each the same query as the list its tile links to (the
    work queue's kinds, the escalation list's views), so a tile equals its list (issue 15)."""
    lsr_counts = session.execute(sa.select(
        sa.func.count().filter(Lsr.status == "foc"),
        sa.func.count().filter(Lsr.awaiting_partner_since.is_not(None)),  # §13.1
    )).one()
    return {"review": queue.queue_count(session, kind="lsr"),
            "review_overdue": queue.queue_count(session, kind="lsr", overdue_at=now),
            "open_focs": lsr_counts[0], "awaiting_partner": lsr_counts[1],
            "notes_waiting": queue.queue_count(session, kind="note"),
            "escalations": escalation_desk.count_escalations(session, show="open", now=now),
            "escalations_overdue": escalation_desk.count_escalations(session, show="overdue",
                                                                     now=now)}


# --- the desk dashboard (issue 5): figures per day in the viewer's zone, grouped in SQL -------

MANUAL_CHANNELS = ("fax", "email")
CSR_BUCKETS = ("under 1 min", "1-60 min", "1-4 h", "4-24 h", "over 24 h")
_CSR_LIMITS = (60, 3600, 4 * 3600, 24 * 3600)


@dataclass(frozen=True)
class Day:
    """One calendar day of the viewer's zone as a half-open UTC interval."""

    day: date
    start: datetime
    end: datetime


def day_range(today: date, days: int, zone: tzinfo) -> list[Day]:
    """The `days` calendar days ending today, each as [local 00:00, next local 00:00)."""
    first = today - timedelta(days=days - 1)
    result = []
    for n in range(days):
        d = first + timedelta(days=n)
        start = datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).astimezone(
            UTC)
        result.append(Day(d, start, end))
    return result


def _day_of(column, days: list[Day]):
    """The index of the day a UTC instant falls on (a CASE over the day boundaries)."""
    return sa.case(*[(column < d.end, i) for i, d in enumerate(days)], else_=len(days) - 1)


def _in_range(column, days: list[Day]):
    return sa.and_(column >= days[0].start, column < days[-1].end)


@dataclass
class DeskMetrics:
    days: list[date]
    received: dict[str, list[int]]  # electronic | manual -> LSRs received per day
    outcomes: dict[str, list[int]]  # foc | rejected | manual_review -> per day of receipt
    reject_codes: list[str]  # most frequent first
    reject_partners: list[tuple[str, dict[str, int]]]  # (CCNA, code -> count), most first
    focs: dict[str, list[int]]  # automatic | staff_on_time | late -> per day issued
    review_overdue: int  # orders still awaiting staff past their FOC due time
    csr: dict[str, dict]  # electronic | manual -> {buckets, met, missed, count, avg_seconds}

    def total(self, series: dict[str, list[int]]) -> dict[str, int]:
        return {k: sum(v) for k, v in series.items()}


def _received(session: Session, days: list[Day]) -> tuple[dict, dict]:
    kind = sa.case((Lsr.channel.in_(MANUAL_CHANNELS), "manual"), else_="electronic")
    inner = (sa.select(_day_of(LsrVersion.at, days).label("d"), kind.label("k"),
                       LsrVersion.status.label("s"))
             .join(Lsr, Lsr.id == LsrVersion.lsr_id)
             .where(LsrVersion.sup.is_(None), _in_range(LsrVersion.at, days)).subquery())
    received = {k: [0] * len(days) for k in ("electronic", "manual")}
    outcomes = {k: [0] * len(days) for k in ("foc", "rejected", "manual_review")}
    for d, k, s, n in session.execute(sa.select(inner.c.d, inner.c.k, inner.c.s, sa.func.count())
                                      .group_by(inner.c.d, inner.c.k, inner.c.s)):
        received[k][d] += n
        if s in outcomes:
            outcomes[s][d] += n
    return received, outcomes


def _reject_elements(session: Session):
    """(version row, reject code) pairs: JSON array elements, per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        element = sa.func.jsonb_array_elements(LsrVersion.rejects).table_valued("value").lateral()
        return element, element.c.value.op("->>")("code")
    element = sa.func.json_each(LsrVersion.rejects).table_valued("value")
    return element, sa.func.json_extract(element.c.value, "$.code")


def _reject_reasons(session: Session, days: list[Day]) -> tuple[list, list]:
    element, code = _reject_elements(session)
    rows = session.execute(
        sa.select(Partner.ccna, code.label("code"), sa.func.count())
        .select_from(LsrVersion).join(Lsr, Lsr.id == LsrVersion.lsr_id)
        .join(Partner, Partner.id == Lsr.owner_partner_id).join(element, sa.true())
        .where(LsrVersion.status == "rejected", _in_range(LsrVersion.at, days))
        .group_by(Partner.ccna, code)).all()
    per_partner: dict[str, dict[str, int]] = {}
    per_code: dict[str, int] = {}
    for ccna, reject_code, n in rows:
        per_partner.setdefault(ccna, {})[reject_code] = n
        per_code[reject_code] = per_code.get(reject_code, 0) + n
    codes = sorted(per_code, key=lambda c: (-per_code[c], c))
    partners = sorted(per_partner.items(), key=lambda p: (-sum(p[1].values()), p[0]))
    return codes, partners


def _audited_lsr(session: Session):
    """Join an order's audit events to it: SQLite looks the order up by its primary key (the
    text id cast to a number); PostgreSQL hash-joins on the text id (no cast of other rows)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(Lsr.id, sa.String) == AuditEvent.object_id
    return Lsr.id == sa.cast(AuditEvent.object_id, sa.Integer)


def _due_in_force(session: Session):
    """(the FOC's audit event names the §5.4 due time in force when it was issued, that time
    or NULL): `details.foc_due_at`, ISO text, per dialect. SQLite compares instants by
    julianday (the event's text and the column's stored text differ in form)."""
    if session.get_bind().dialect.name == "postgresql":
        named = sa.func.jsonb_exists(AuditEvent.details, "foc_due_at")
        due = sa.cast(AuditEvent.details.op("->>")("foc_due_at"), sa.DateTime(timezone=True))
        return named, due, AuditEvent.at, Lsr.foc_due_at
    named = sa.func.json_type(AuditEvent.details, "$.foc_due_at").is_not(None)
    due = sa.func.julianday(sa.func.json_extract(AuditEvent.details, "$.foc_due_at"))
    return named, due, sa.func.julianday(AuditEvent.at), sa.func.julianday(Lsr.foc_due_at)


def _focs(session: Session, days: list[Day]) -> dict[str, list[int]]:
    """FOCs per day issued: automatic (at once), by staff on time, and late (§5.4). A FOC is
    judged against the due time in force when it was issued, as its audit event records it;
    an event without it (older events; automatic FOCs) against the order's current one."""
    named, due, at, current = _due_in_force(session)
    timely = sa.case((sa.and_(named, due.is_(None)), "on_time"),
                     (sa.and_(named, at <= due), "on_time"),
                     (named, "late"),
                     (Lsr.foc_due_at.is_(None), "on_time"),
                     (at <= current, "on_time"), else_="late")
    inner = (sa.select(_day_of(AuditEvent.at, days).label("d"), AuditEvent.action.label("a"),
                       timely.label("t"))
             .join(Lsr, _audited_lsr(session))
             .where(AuditEvent.object_type == "lsr",
                    AuditEvent.action.in_(("lsr.foc", "lsr.staff_foc")),
                    _in_range(AuditEvent.at, days)).subquery())
    focs = {k: [0] * len(days) for k in ("automatic", "staff_on_time", "late")}
    for d, action, t, n in session.execute(
            sa.select(inner.c.d, inner.c.a, inner.c.t, sa.func.count())
            .group_by(inner.c.d, inner.c.a, inner.c.t)):
        key = "late" if t == "late" else ("staff_on_time" if action == "lsr.staff_foc"
                                          else "automatic")
        focs[key][d] += n
    return focs


def _seconds_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _csr_turnaround(session: Session, days: list[Day]) -> dict[str, dict]:
    seconds = _seconds_between(session, CsrRequest.answered_at, CsrRequest.received_at)
    bucket = sa.case(*[(seconds < limit, i) for i, limit in enumerate(_CSR_LIMITS)],
                     else_=len(_CSR_LIMITS))
    met = sa.case((CsrRequest.due_at.is_(None), "none"),
                  (CsrRequest.answered_at <= CsrRequest.due_at, "met"), else_="missed")
    kind = sa.case((CsrRequest.channel.in_(MANUAL_CHANNELS), "manual"), else_="electronic")
    inner = (sa.select(kind.label("k"), bucket.label("b"), met.label("m"), seconds.label("s"))
             .where(CsrRequest.answered_at.is_not(None), _in_range(CsrRequest.received_at, days))
             .subquery())
    result = {k: {"buckets": [0] * len(CSR_BUCKETS), "met": 0, "missed": 0, "count": 0,
                  "seconds": 0.0} for k in ("electronic", "manual")}
    for k, b, m, n, total in session.execute(
            sa.select(inner.c.k, inner.c.b, inner.c.m, sa.func.count(), sa.func.sum(inner.c.s))
            .group_by(inner.c.k, inner.c.b, inner.c.m)):
        entry = result[k]
        entry["buckets"][b] += n
        entry["count"] += n
        entry["seconds"] += float(total or 0)
        if m in ("met", "missed"):
            entry[m] += n
    for entry in result.values():
        entry["avg_seconds"] = entry["seconds"] / entry["count"] if entry["count"] else None
    return result


def desk_metrics(session: Session, *, now: datetime, days: list[Day]) -> DeskMetrics:
    """The desk dashboard's figures over the days given (five grouped queries)."""
    received, outcomes = _received(session, days)
    codes, partners = _reject_reasons(session, days)
    focs = _focs(session, days)
    overdue = session.scalar(sa.select(sa.func.count()).select_from(Lsr).where(
        Lsr.status == "manual_review", Lsr.foc_due_at < now)) or 0
    return DeskMetrics([d.day for d in days], received, outcomes, codes, partners, focs,
                       overdue, _csr_turnaround(session, days))
