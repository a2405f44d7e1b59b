"""The desk dashboard (charts rendered server-side as SVG) and the carrier profile view."""
from __future__ import annotations

from datetime import date

from flask import render_template

from gateway import clock, db
from gateway.platform.carrier_profile import carrier_profile
from gateway.services.desk import dashboards
from gateway.services.protection import stats as protection_stats
from gateway.staff import bp
from gateway.staff.charts import Series, legend, stacked_bars, stacked_columns
from gateway.staff.common import admin_required, choice_arg, user_zone
from validators.calendar import holiday_dates
from validators.catalog import INTERVALS, REJECT_CODES

PERIODS = ("7", "14", "30")
TOP_CODES = 6


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _series(values: dict[str, list[int]], names: dict[str, tuple[str, str]]) -> list[Series]:
    return [Series(label, values[key], css) for key, (label, css) in names.items()]


def _code_name(code: str, limit: int = 44) -> str:
    """A reject code with the start of its catalog message, cut at a word."""
    message = REJECT_CODES[code].message if code in REJECT_CODES else ""
    if len(message) > limit:
        message = message[:limit].rsplit(" ", 1)[0].rstrip(" ,:(") + "…"
    return f"{code} {message}".strip()


def _reject_series(m: dashboards.DeskMetrics) -> list[Series]:
    codes = m.reject_codes[:TOP_CODES]
    series = [Series(_code_name(c), [p[1].get(c, 0) for p in m.reject_partners], f"c{i + 1}")
              for i, c in enumerate(codes)]
    rest = [sum(n for c, n in p[1].items() if c not in codes) for p in m.reject_partners]
    if any(rest):
        series.append(Series("other codes", rest, "c8"))
    return series


def _charts(m: dashboards.DeskMetrics) -> dict:
    labels = [d.strftime("%m-%d") for d in m.days]
    received = _series(m.received, {"electronic": ("API and portal", "c1"),
                                    "manual": ("fax and email (staff)", "c4")})
    outcomes = _series(m.outcomes, {"foc": ("FOC", "ok"), "rejected": ("reject", "bad"),
                                    "manual_review": ("awaiting staff", "warn")})
    focs = _series(m.focs, {"automatic": ("automatic, at once", "ok"),
                            "staff_on_time": ("staff, on time", "c1"),
                            "late": ("late", "bad")})
    rejects = _reject_series(m)
    csr_series = [Series("electronic", m.csr["electronic"]["buckets"], "c1"),
                  Series("manual (fax, email)", m.csr["manual"]["buckets"], "c4")]
    span = f"{m.days[0].isoformat()} to {m.days[-1].isoformat()}"
    return {
        "received": (stacked_columns(labels, received, title="LSRs received per day",
                                     desc=f"New LSRs and resubmissions per day, {span}"),
                     legend(received), received),
        "outcomes": (stacked_columns(labels, outcomes, title="FOC versus reject",
                                     desc=f"Outcome of the LSRs received each day, {span}"),
                     legend(outcomes), outcomes),
        "focs": (stacked_columns(labels, focs, title="FOCs on time",
                                 desc="FOCs issued each day, by their §5.4 due time"),
                 legend(focs), focs),
        "rejects": (stacked_bars([p[0] for p in m.reject_partners], rejects,
                                 title="Reject reasons per partner",
                                 desc=f"Reject codes of rejected LSR versions, {span}"),
                    legend(rejects), rejects),
        "csr": (stacked_columns(list(dashboards.CSR_BUCKETS), csr_series,
                                title="CSR turnaround",
                                desc="Time from receipt to answer of CSR requests"),
                legend(csr_series), csr_series),
        "labels": labels,
    }


@bp.get("/dashboard")
def dashboard():
    period = int(choice_arg("days", PERIODS, "14"))
    zone, now = user_zone(), clock.now()
    days = dashboards.day_range(now.astimezone(zone).date(), period, zone)
    m = dashboards.desk_metrics(db.session(), now=now, days=days)
    received = sum(m.total(m.received).values())
    outcome = m.total(m.outcomes)
    focs = m.total(m.focs)
    csr_all = {k: sum(v[k] for v in m.csr.values()) for k in ("count", "met", "missed")}
    headline = {
        "received": received, "foc_rate": _pct(outcome["foc"], received),
        "reject_rate": _pct(outcome["rejected"], received),
        "on_time": _pct(focs["automatic"] + focs["staff_on_time"], sum(focs.values())),
        "late": focs["late"], "review_overdue": m.review_overdue, "csrs": csr_all["count"],
        "csr_met": _pct(csr_all["met"], csr_all["met"] + csr_all["missed"])}
    protection = protection_stats.protection_by_partner(
        db.session(), since=days[0].start)
    return render_template("staff/dashboard.html", m=m, charts=_charts(m), headline=headline,
                           period=period, periods=PERIODS, zone=str(zone),
                           protection=protection)


@bp.get("/profile")
@admin_required
def carrier_profile_view():
    profile = carrier_profile()
    year = clock.now().year
    holidays = sorted(holiday_dates(profile.holidays, year) | holiday_dates(profile.holidays,
                                                                           year + 1))
    return render_template("staff/profile.html", profile=profile, intervals=INTERVALS,
                           holidays=[d for d in holidays if d >= date(year, 1, 1)])
