"""Served A/B: Portgate at two commits, in interleaved turns, on fresh copies of one database.

    python bench/ab_served.py BASE [NEW] [--engine sqlite|postgres] [--pairs 5] [--seconds 6]
                              [--big RUNS]

`make bench`'s turns move by ±10 % from one run to the next on a shared 2-core machine (its
`/readyz` moves with the machine's state, and the ratio with it), so a change worth a few per
cent is judged here instead (issue 17; bench/RESULTS.md quotes these A/Bs). Each code is
served as `make bench` serves it (gunicorn, 2 sync workers, the API limit off) on a fresh copy
of the same database for every run, and the runs alternate BASE, NEW, BASE, NEW ... Each run
takes one second of LSRs to warm its workers up, then `/readyz` for N seconds, then 1-TN
simple ports for N seconds (wrk, bench/http_bench.py's script, FOCs counted). It prints the
ratio, FOCs/s, the workers' CPU per LSR (from /proc) and, on PostgreSQL, the server's; the
medians end it. `--big RUNS` also times the 500-TN LSR end to end after each run's 1-TN load,
as `make bench` does (`http_bench.big_lsr`: RUNS after two, each canceled), and prints its p50.

BASE and NEW are commits (NEW, default: the working tree), checked out as git worktrees under
BENCH_DIR and removed at the end. The database is the one `BENCH_SCALE=small make bench`
leaves: BENCH_DIR/bench.db (SQLite), or portgate_bench on BENCH_DATABASE_URL or
TEST_DATABASE_URL's server (PostgreSQL), whose copies ab_pristine and ab_run are dropped at
the end. Each run's candidates are the same TNs (its copy of the database is new).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_bench  # noqa: E402

ROOT = http_bench.ROOT
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/portgate-bench"))
WARM_TNS, RUN_TNS = 800, 8000


@dataclass
class Run:
    readyz: float
    lsr: float
    worker_ms: float
    server_ms: float | None
    errors: int
    big_ms: float | None = None  # p50 of the 500-TN LSRs (`--big`)

    @property
    def ratio(self) -> float:
        return self.lsr / self.readyz


def _cpu_seconds(pids: list[str]) -> float:
    """User and system CPU of these processes so far (those still there)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pids(*pgrep: str) -> list[str]:
    return subprocess.run(["pgrep", *pgrep], capture_output=True, text=True).stdout.split()


class Copies:
    """Fresh copies of the bench database: a pristine one with a token and candidate TNs,
    then one per run."""

    def __init__(self, engine: str, work: Path) -> None:
        self.engine, self.work = engine, work
        if engine == "sqlite":
            source = WORK / "bench.db"
            if not source.exists():
                raise SystemExit(f"no {source}: run BENCH_SCALE=small make bench first")
            with sqlite3.connect(source) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.pristine = work / "ab_pristine.db"
            shutil.copy(source, self.pristine)
            self.url = f"sqlite:///{work / 'ab_run.db'}"
            pristine_url = f"sqlite:///{self.pristine}"
        else:
            base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            if not base:
                raise SystemExit("set BENCH_DATABASE_URL or TEST_DATABASE_URL")
            url = sa.engine.make_url(base)
            self.admin = sa.create_engine(url.set(database="postgres"),
                                          isolation_level="AUTOCOMMIT")
            self._copy("ab_pristine", "portgate_bench")
            render = lambda db: url.set(database=db).render_as_string(  # noqa: E731
                hide_password=False)
            self.url, pristine_url = render("ab_run"), render("ab_pristine")
        self.token = http_bench.token(pristine_url)
        engine_ = sa.create_engine(pristine_url)
        found = http_bench.simple_port_candidates(engine_, work / "all.txt", WARM_TNS + RUN_TNS)
        engine_.dispose()
        if found < WARM_TNS + 1000:
            raise SystemExit(f"only {found} simple-port candidates in the bench database")
        lines = (work / "all.txt").read_text().splitlines(keepends=True)
        self.warm, self.run = work / "warm.txt", work / "run.txt"
        self.warm.write_text("".join(lines[:WARM_TNS]))
        self.run.write_text("".join(lines[WARM_TNS:]))

    def _copy(self, name: str, template: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
            conn.exec_driver_sql("CHECKPOINT")  # the copy's writes, not during the run

    def fresh(self, settings: dict[str, str] | None = None) -> None:
        """A new copy to run on; `settings` (PostgreSQL): the copy's own, for every session."""
        if self.engine == "sqlite":
            run = self.work / "ab_run.db"
            for suffix in ("", "-wal", "-shm", "-writer"):
                Path(f"{run}{suffix}").unlink(missing_ok=True)
            shutil.copy(self.pristine, run)
            return
        self._copy("ab_run", "ab_pristine")
        with self.admin.connect() as conn:
            for name, value in (settings or {}).items():
                conn.exec_driver_sql(f"ALTER DATABASE ab_run SET {name} = {value}")

    def server_cpu(self) -> float | None:
        if self.engine == "sqlite":
            return None
        return _cpu_seconds(_pids("-f", "postgres: .* ab_run "))

    def drop(self) -> None:
        if self.engine != "sqlite":
            with self.admin.connect() as conn:
                for name in ("ab_run", "ab_pristine"):
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.admin.dispose()


@contextmanager
def warmed_server(code: Path, copies: Copies, tag: str,
                  settings: dict[str, str] | None = None) -> Iterator[list[str]]:
    """`code` served on a fresh copy (`settings`: the copy's, `Copies.fresh`), its workers
    warmed by a second of LSRs; yields the workers' pids."""
    copies.fresh(settings)
    with http_bench.Server(copies.url, root=code) as server:
        assert server.process is not None
        workers = _pids("-P", str(server.process.pid))
        http_bench.lsr_load(copies.work, copies.token, 1, f"{tag}w", candidates=copies.warm,
                            foc_only=False)
        yield workers


@dataclass
class Measured:
    """A measured run of 1-TN LSRs: wrk's figures, the answers, the CPU per answer."""

    lsr: dict
    answered: float
    worker_ms: float
    server_ms: float | None  # PostgreSQL's, when it runs on this machine


def measured_lsrs(copies: Copies, workers: list[str], seconds: int, tag: str) -> Measured:
    """`seconds` of 1-TN LSRs on the run's candidates, with the workers' and the server's CPU
    per answer."""
    worker0, server0 = _cpu_seconds(workers), copies.server_cpu()
    lsr = http_bench.lsr_load(copies.work, copies.token, seconds, f"{tag}m",
                              candidates=copies.run)
    worker1, server1 = _cpu_seconds(workers), copies.server_cpu()
    answered = max(lsr["requests_rps"] * seconds, 1)
    return Measured(lsr, answered, (worker1 - worker0) / answered * 1000,
                    None if server0 is None or server1 is None
                    else (server1 - server0) / answered * 1000)


def one_run(code: Path, copies: Copies, seconds: int, tag: str, big: int = 0) -> Run:
    with warmed_server(code, copies, tag) as workers:
        ready = http_bench.get_load("/readyz", seconds)
        run = measured_lsrs(copies, workers, seconds, tag)
        big_ms = None
        if big:  # after the 1-TN run, as `make bench` measures it (each one canceled)
            engine = sa.create_engine(copies.url)
            big_ms = http_bench.big_lsr(engine, copies.token, big, f"B{tag}").get("p50")
            engine.dispose()
    return Run(ready["rps"], run.lsr["rps"], run.worker_ms, run.server_ms, run.lsr["errors"],
               big_ms)


def checkout(commit: str, into: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(into), commit], cwd=ROOT,
                   check=True, capture_output=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("new", nargs="?", help="a commit (default: the working tree)")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--big", type=int, default=0, metavar="RUNS",
                        help="also the 500-TN LSR end to end: p50 of RUNS, after the 1-TN run")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ab-", dir=WORK))
    trees: list[Path] = []
    copies: Copies | None = None
    try:
        codes = {args.base: checkout(args.base, work / "base")}
        trees.append(codes[args.base])
        if args.new:
            codes[args.new] = checkout(args.new, work / "new")
            trees.append(codes[args.new])
        else:
            codes["working tree"] = ROOT
        copies = Copies(args.engine, work)
        runs: dict[str, list[Run]] = {name: [] for name in codes}
        for turn in range(args.pairs):
            for n, (name, code) in enumerate(codes.items()):
                run = one_run(code, copies, args.seconds, f"{turn}{n}", args.big)
                runs[name].append(run)
                server = f"  server {run.server_ms:.2f} ms" if run.server_ms is not None else ""
                big = f"  500-TN p50 {run.big_ms:.1f} ms" if run.big_ms is not None else ""
                print(f"{name:>14}: /readyz {run.readyz:7,.0f}  LSR {run.lsr:6,.0f} req/s  "
                      f"ratio {run.ratio:.3f}  worker CPU {run.worker_ms:.2f} ms{server}  "
                      f"non-FOC {run.errors}{big}", flush=True)
        print(f"medians of {args.pairs} turns ({args.engine}, {args.seconds} s runs):")
        for name, found in runs.items():
            server_ms = [r.server_ms for r in found if r.server_ms is not None]
            big_ms = [r.big_ms for r in found if r.big_ms is not None]
            print(f"{name:>14}: ratio {statistics.median(r.ratio for r in found):.3f}  LSR "
                  f"{statistics.median(r.lsr for r in found):,.0f} req/s  worker CPU "
                  f"{statistics.median(r.worker_ms for r in found):.2f} ms"
                  + (f"  server CPU {statistics.median(server_ms):.2f} ms" if server_ms else "")
                  + (f"  500-TN p50 {statistics.median(big_ms):.1f} ms" if big_ms else ""))
    finally:
        if copies is not None:
            copies.drop()
        for tree in trees:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
