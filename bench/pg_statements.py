"""Where PostgreSQL's time goes per served 1-TN LSR -> FOC, statement by statement (issue 17).

    python bench/pg_statements.py [--seconds 6] [--log /var/log/postgresql/postgresql-15-main.log]

The working tree's Portgate is served as `make bench` serves it (gunicorn, 2 sync workers, the
API limit off) on a fresh copy of the database `BENCH_SCALE=small make bench` leaves
(portgate_bench on BENCH_DATABASE_URL or TEST_DATABASE_URL's server), twice:

1. unlogged: FOCs/s, the workers' and the server's CPU per LSR (from /proc: the server must
   run on this machine) and the MultiXact ids the run made per LSR (two transactions holding
   the same row's key-share lock at once, as the foreign-key checks of two concurrent orders
   on their partner's and user's rows do);
2. with `log_min_duration_statement = 0` on that copy only: the server's own time per LSR by
   statement and protocol step (parse, bind, execute; for a SELECT, bind includes starting
   its plan's executor), read off the server's log, which must be readable here (Debian's
   default path). Logging every statement slows the server, so run 1 gives the CPU figures
   and run 2 the shares.

The copies (ab_pristine, ab_run) are dropped at the end.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ab_served  # noqa: E402
import http_bench  # noqa: E402

DEBIAN_LOG = "/var/log/postgresql/postgresql-15-main.log"
_DURATION = re.compile(r"@(\w+) LOG:  duration: ([\d.]+) ms  (statement|parse|bind|execute)"
                       r"[^:]*: (.{0,48})")


def multixacts(copies: ab_served.Copies) -> int:
    """The next MultiXact id of the server, now (`mxid_age` of the first one)."""
    with copies.admin.connect() as conn:
        return int(conn.exec_driver_sql("SELECT mxid_age('1'::xid)").scalar_one())


def served_run(copies: ab_served.Copies, seconds: int, tag: str,
               log: Path | None = None) -> tuple[ab_served.Measured, float, str]:
    """One served run on a fresh copy: its figures, the MultiXact ids made per LSR, and what
    the server logged meanwhile (with `log`: every statement of the copy's logged)."""
    settings = {"log_min_duration_statement": "0"} if log is not None else None
    with ab_served.warmed_server(http_bench.ROOT, copies, tag, settings) as workers:
        start = log.stat().st_size if log is not None else 0
        mx0 = multixacts(copies)
        run = ab_served.measured_lsrs(copies, workers, seconds, tag)
        mx1 = multixacts(copies)
        logged = ""
        if log is not None:
            with log.open(errors="replace") as handle:
                handle.seek(start)
                logged = handle.read()
    return run, (mx1 - mx0) / run.answered, logged


def by_statement(logged: str, database: str = "ab_run") -> dict[tuple[str, str], list[float]]:
    """The logged durations of the database's statements, by (step, the statement's start)."""
    found: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for db, ms, step, text in _DURATION.findall(logged):
        if db == database:
            found[(step, re.sub(r"\s+", " ", text).strip()[:40])].append(float(ms))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--log", default=DEBIAN_LOG, help="the PostgreSQL server's log file")
    args = parser.parse_args()
    log = Path(args.log)
    with tempfile.TemporaryDirectory(prefix="portgate-pgstmt-") as tmp:
        copies = ab_served.Copies("postgres", Path(tmp))
        try:
            plain, made, _ = served_run(copies, args.seconds, "p")
            assert plain.server_ms is not None
            print(f"unlogged run: {plain.lsr['rps']:,.0f} FOC/s (non-FOC "
                  f"{plain.lsr['errors']}), per LSR: workers' CPU {plain.worker_ms:.2f} ms, "
                  f"server's CPU {plain.server_ms:.2f} ms, {made:.2f} MultiXact ids")
            try:
                log.open().close()
            except OSError as err:
                print(f"no per-statement figures: the server's log {log} cannot be read ({err})")
                return
            logged_run, _, logged = served_run(copies, args.seconds, "l", log)
            found = by_statement(logged)
            n = logged_run.answered
            total = sum(sum(v) for v in found.values())
            print(f"logged run: {logged_run.lsr['rps']:,.0f} FOC/s; the server's time per LSR "
                  f"by statement, {total / n:.2f} ms in all ({n:,.0f} LSRs):")
            for (step, text), times in sorted(found.items(), key=lambda kv: -sum(kv[1]))[:12]:
                times.sort()
                print(f"  {sum(times) / n:6.3f} ms  {len(times) / n:5.2f} per LSR  median "
                      f"{times[len(times) // 2]:6.3f} ms  {step:<9} {text}")
        finally:
            copies.drop()


if __name__ == "__main__":
    main()
