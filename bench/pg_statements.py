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
               log: Path | None = None) -> tuple[dict, str]:
    """One served run on a fresh copy: its figures, and what the server logged meanwhile."""
    copies.fresh()
    if log is not None:
        with copies.admin.connect() as conn:
            conn.exec_driver_sql("ALTER DATABASE ab_run SET log_min_duration_statement = 0")
    with http_bench.Server(copies.url, root=http_bench.ROOT) as server:
        assert server.process is not None
        workers = ab_served._pids("-P", str(server.process.pid))
        http_bench.lsr_load(copies.work, copies.token, 1, f"{tag}w", candidates=copies.warm,
                            foc_only=False)
        start = log.stat().st_size if log is not None else 0
        worker0, server0, mx0 = ab_served._cpu_seconds(workers), copies.server_cpu(), \
            multixacts(copies)
        lsr = http_bench.lsr_load(copies.work, copies.token, seconds, f"{tag}m",
                                  candidates=copies.run)
        worker1, server1, mx1 = ab_served._cpu_seconds(workers), copies.server_cpu(), \
            multixacts(copies)
        logged = ""
        if log is not None:
            with log.open(errors="replace") as handle:
                handle.seek(start)
                logged = handle.read()
    answered = max(lsr["requests_rps"] * seconds, 1)
    assert server0 is not None and server1 is not None
    return {"focs": lsr["rps"], "answered": answered, "errors": lsr["errors"],
            "worker_ms": (worker1 - worker0) / answered * 1000,
            "server_ms": (server1 - server0) / answered * 1000,
            "multixacts": (mx1 - mx0) / answered}, logged


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
            plain, _ = served_run(copies, args.seconds, "p")
            print(f"unlogged run: {plain['focs']:,.0f} FOC/s (non-FOC {plain['errors']}), "
                  f"per LSR: workers' CPU {plain['worker_ms']:.2f} ms, server's CPU "
                  f"{plain['server_ms']:.2f} ms, {plain['multixacts']:.2f} MultiXact ids")
            try:
                log.open().close()
            except OSError as err:
                print(f"no per-statement figures: the server's log {log} cannot be read ({err})")
                return
            logged_run, logged = served_run(copies, args.seconds, "l", log)
            found = by_statement(logged)
            n = logged_run["answered"]
            total = sum(sum(v) for v in found.values())
            print(f"logged run: {logged_run['focs']:,.0f} FOC/s; the server's time per LSR by "
                  f"statement, {total / n:.2f} ms in all ({n:,.0f} LSRs):")
            for (step, text), times in sorted(found.items(), key=lambda kv: -sum(kv[1]))[:12]:
                times.sort()
                print(f"  {sum(times) / n:6.3f} ms  {len(times) / n:5.2f} per LSR  median "
                      f"{times[len(times) // 2]:6.3f} ms  {step:<9} {text}")
        finally:
            copies.drop()


if __name__ == "__main__":
    main()
