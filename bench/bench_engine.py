"""Time the rules engine: a 500-TN LSR with facts in memory, and due dates per second.

Run: python bench/bench_engine.py  (plain timers; prints median / p99 and a rate)
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from validators import check_lsr  # noqa: E402
from validators.carrier_profile import CarrierProfile  # noqa: E402
from validators.due_dates import cutoff_for, earliest_due_date, foc_date, interval_for, receipt  # noqa: E402
from validators.facts import AccountFacts, OrderFacts, PartnerFacts, Provider  # noqa: E402

PROFILE = CarrierProfile.from_dict()
RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=-8)))
N_TNS = 500


def _facts() -> tuple[dict, OrderFacts]:
    tns = [f"503555{n:04d}" for n in range(1000, 1000 + N_TNS)]
    address = {"sano": "100", "sasd": "SW", "sasn": "MAIN", "sath": "ST", "sass": "",
               "ld1": "", "lv1": "", "city": "PORTLAND", "state": "OR", "zip": "97204"}
    account = AccountFacts("700001", tns[0], "ROSE CITY LOGISTICS LLC", address, "pbx", False,
                           None, None, None, False, False, {tn: "working" for tn in tns})
    ct01 = Provider("CT01", "Cascade Telecom", "5035550000", "code")
    facts = OrderFacts(providers={tn: ct01 for tn in tns}, tn_accounts={tn: "700001" for tn in tns},
                       accounts={"700001": account}, known_spids={"B451": "Blue Heron Wireless"})
    lsr = {"ccna": "BHW", "pon": "BHWBENCH1", "ver": "1", "an": "700001", "cc": "B451",
           "npdi": "C", "reqtyp": "CB", "act": "V", "ddd": "2026-12-10", "agauth": "Y",
           "init": "Sam Ortiz", "init_tel": "5419990123",
           "eu": {"name": "Rose City Logistics, L.L.C.", "sano": "100", "sasd": "SOUTHWEST",
                  "sasn": "MAIN", "sath": "STREET", "city": "PORTLAND", "state": "OR",
                  "zip": "97204"},
           "tns": tns}
    return lsr, facts


def bench_lsr(runs: int = 2000) -> tuple[float, float]:
    """Print median and p99 milliseconds of check_lsr on a 500-TN LSR."""
    lsr, facts = _facts()
    partner = PartnerFacts("BHW", "wireless", frozenset({"B451"}))
    decision = check_lsr(lsr, partner=partner, facts=facts, profile=PROFILE, received_at=RECEIVED)
    assert decision.accepted, decision.findings
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        check_lsr(lsr, partner=partner, facts=facts, profile=PROFILE, received_at=RECEIVED)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"check_lsr, {N_TNS} TNs ({decision.port_type}): median "
          f"{statistics.median(timings):.3f} ms, p99 {p99:.3f} ms over {runs} runs")
    return statistics.median(timings), p99


def bench_due_dates(n: int = 200_000) -> float:
    """Print receipt + interval + earliest + FOC date computations per second."""
    states = sorted(PROFILE.states)
    moments = [RECEIVED + timedelta(minutes=97 * i) for i in range(5000)]  # ~11 months spread
    ddd = date(2026, 12, 15)
    start = time.perf_counter()
    for i in range(n):
        port_type = "simple" if i % 3 == 0 else "non_simple"
        rcpt = receipt(moments[i % len(moments)], states[i % len(states)],
                       cutoff_for(port_type, PROFILE), PROFILE)
        _, days, _ = interval_for("CB", port_type, 1 if port_type == "simple" else 10)
        earliest = earliest_due_date(rcpt.receipt_day, days, PROFILE)
        foc_date(max(ddd, rcpt.receipt_day), earliest, rcpt.receipt_day, False, PROFILE)
    elapsed = time.perf_counter() - start
    print(f"due dates (receipt + interval + earliest + FOC date): {n / elapsed:,.0f} per second")
    return n / elapsed


if __name__ == "__main__":
    bench_lsr()
    bench_due_dates()
