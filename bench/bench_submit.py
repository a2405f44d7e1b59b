"""In-process cost of one LSR submission (issue 17): ms and statements per 1-TN FOC.

    python bench/bench_submit.py                 # N=300 one-TN simple ports, SQLite (+ PG)
    BENCH_SUBMIT_N=1000 python bench/bench_submit.py

N `POST /api/v1/lsrs` one after another through the app (Flask test client, no network, the
per-partner limiter off as in the throughput runs), each its own request and transaction on its
own one-TN account, all ending in FOCs. Printed per engine: wall and CPU ms per submission
(median and mean), the statements each sent (median and max, counted with a
`before_cursor_execute` listener: with the token cache hit that is the submission path; a miss
after TOKEN_CACHE_SECONDS of wall time adds the token's look-up), and `/readyz` wall ms; on
SQLite also how long an FOC holds the writer lock (`writer_spans`).
`run()` answers the same figures as a dict for bench/run_all.py. PostgreSQL: BENCH_DATABASE_URL
or TEST_DATABASE_URL (a schema of its own, dropped after); skipped when unset.
`BENCH_POOL_CHECK` (ping | socket | none) sets DATABASE_POOL_CHECK to compare pool policies.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batches import _lsr, _world, bench_app  # noqa: E402

WARMUP = 20


def run(url: str, n: int, workdir: Path, pool_check: str | None = None) -> dict[str, float]:
    app = bench_app(url, **({"DATABASE_POOL_CHECK": pool_check} if pool_check else {}))
    token, pairs = _world(app, workdir, (n + WARMUP + 1) // 2 + 1)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    engine = app.extensions["portgate_db"].engine
    counted: list[int] = [0]

    def count(*_args: object) -> None:
        counted[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    walls, cpus, statements = [], [], []
    for i, (an, tn) in enumerate(pairs[:n + WARMUP]):
        counted[0] = 0
        wall, cpu = time.perf_counter(), time.process_time()
        resp = client.post("/api/v1/lsrs", json=_lsr(f"S{i}", an, tn), headers=headers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert resp.status_code == 201 and resp.get_json()["status"] == "foc", resp.data[:300]
        if i >= WARMUP:
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
            statements.append(counted[0])
    ready = []
    for _ in range(200):
        wall = time.perf_counter()
        assert client.get("/readyz").status_code == 200
        ready.append((time.perf_counter() - wall) * 1000)
    sa.event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return {"n": n, "wall_ms_median": statistics.median(walls),
            "wall_ms_mean": statistics.fmean(walls), "cpu_ms_median": statistics.median(cpus),
            "cpu_ms_mean": statistics.fmean(cpus),
            "statements": statistics.median(statements), "statements_max": max(statements),
            "readyz_ms_median": statistics.median(ready)}


def writer_spans(url: str, n: int, workdir: Path) -> dict[str, float]:
    """SQLite: how long a 1-TN FOC holds the writer lock (issue 17: two workers share it), in
    ms, median of `n` each way: the lock free when the request comes (taken before the
    decision, which is made under it), and the lock taken by another (the decision made while
    waiting, `submit.decide_early`; forced here, as 96 % of LSRs are under load); and how much
    of the span comes after the view's service has returned (the view's return and the
    commit: the answer's body, the after-request hooks come after the lock is given back)."""
    from gateway.platform import sqlite_writer
    from gateway.services.orders import submit

    app = bench_app(url)
    token, pairs = _world(app, workdir, n + WARMUP // 2 + 1)
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    connection, module = sqlite_writer.WriterConnection, submit
    spans: list[float] = []
    tails: list[float] = []
    taken: list[float | None] = [None]
    returned: list[float | None] = [None]
    original = (connection.try_writer, connection.release_writer, module.submit,
                module.decides_while_another_writes)

    def try_writer(self: Any) -> bool:
        had = self.writer_thread is not None
        ok = original[0](self)
        if ok and not had and self.writer_thread is not None:
            taken[0] = time.perf_counter()
        return ok

    def release_writer(self: Any) -> None:
        if self.writer_thread is not None and taken[0] is not None:
            now = time.perf_counter()
            spans.append(now - taken[0])
            if returned[0] is not None:
                tails.append(now - returned[0])
            taken[0] = returned[0] = None
        original[1](self)

    def timed_submit(*args: Any, **kwargs: Any) -> Any:
        result = original[2](*args, **kwargs)
        returned[0] = time.perf_counter()
        return result

    out: dict[str, float] = {}
    connection.try_writer, connection.release_writer = try_writer, release_writer
    module.submit = timed_submit
    try:
        lines = iter(pairs)
        for way in ("free", "early"):
            if way == "early":  # as when another worker holds the lock
                module.decides_while_another_writes = \
                    lambda ctx: submit.facts_svc.folds_registry(ctx.session, ctx.registry)
            for i in range(WARMUP // 2 + n):
                if i == WARMUP // 2:
                    spans.clear()
                    tails.clear()
                    started = time.perf_counter()
                an, tn = next(lines)
                resp = client.post("/api/v1/lsrs", json=_lsr(f"L{way}{i}", an, tn),
                                   headers=headers)
                assert resp.status_code == 201 and resp.get_json()["status"] == "foc"
            out[f"{way}_request_ms"] = (time.perf_counter() - started) / n * 1000
            out[f"{way}_span_ms"] = statistics.median(spans) * 1000
            out[f"{way}_tail_ms"] = statistics.median(tails) * 1000
    finally:
        (connection.try_writer, connection.release_writer, module.submit,
         module.decides_while_another_writes) = original
        app.extensions["portgate_db"].engine.dispose()
    return out


PROJECT_RANGES = (range(5415553000, 5415557000), range(5415558000, 5415560000))  # no SW01 block


def run_projects(url: str, workdir: Path, size: int = 500) -> dict[str, float]:
    """500-TN LSRs (one PBX account each, a project: manual review) end to end in process:
    median and max wall ms over the accounts that fit the free lines of 541-555."""
    app = bench_app(url)
    token, _pairs = _world(app, workdir, 1)
    lines = [tn for block in PROJECT_RANGES for tn in block]
    groups = [lines[i:i + size] for i in range(0, len(lines) - size + 1, size)]
    header = "account_number,btn,customer_name,sano,sasd,sasn,sath,sass,ld1,lv1,city,state," \
             "zip,tn,tn_status,service_class,une,resale_spid,passcode,port_freeze,contact_email"
    rows = [f"{700000 + g},{group[0]},PBX {g},1,,MAIN,ST,,,,BEND,OR,97703,{tn},working,pbx,N,,,"
            f"N," for g, group in enumerate(groups) for tn in group]
    (workdir / "projects.csv").write_text("\n".join([header, *rows]) + "\n")
    from bench_batches import _cli

    _cli(app, "import-accounts", workdir / "projects.csv")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    walls = []
    for g, group in enumerate(groups):
        body = {**_lsr(f"P{g}", str(700000 + g), str(group[0])), "init": "Sam",
                "tns": [str(t) for t in group],
                "eu": {"name": f"PBX {g}", "sano": "1", "sasn": "MAIN", "sath": "ST",
                       "city": "BEND", "state": "OR", "zip": "97703"}}
        wall = time.perf_counter()
        resp = client.post("/api/v1/lsrs", json=body, headers=headers)
        walls.append((time.perf_counter() - wall) * 1000)
        assert resp.status_code == 201, resp.data[:300]
        assert resp.get_json()["status"] == "manual_review", resp.get_json()["rejects"][:2]
    app.extensions["portgate_db"].engine.dispose()
    return {"n": len(walls), "wall_ms_median": statistics.median(walls[1:]),
            "wall_ms_max": max(walls[1:])}


def pool_checks(url: str, rounds: int = 10, per_round: int = 300) -> dict[str, tuple[float, float]]:
    """Median wall and client-CPU µs of one checkout + `SELECT 1` + return per
    DATABASE_POOL_CHECK, the engines taking turns (a block of each per round) so that the
    machine's load falls on all alike."""
    from gateway.db import POOL_CHECKS, make_engine

    made = {check: make_engine(url, check) for check in POOL_CHECKS}
    walls: dict[str, list[float]] = {check: [] for check in POOL_CHECKS}
    cpus: dict[str, list[float]] = {check: [] for check in POOL_CHECKS}
    for _ in range(rounds):
        for check, engine in made.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(per_round):
                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
            walls[check].append((time.perf_counter() - wall) / per_round * 1e6)
            cpus[check].append((time.process_time() - cpu) / per_round * 1e6)
    for engine in made.values():
        engine.dispose()
    return {check: (statistics.median(walls[check]), statistics.median(cpus[check]))
            for check in POOL_CHECKS}


def engines(tmp: str, tag: str) -> tuple[dict[str, str], str | None]:
    """A fresh SQLite file in `tmp` and, when configured, a fresh PostgreSQL schema (its name
    returned, to drop)."""
    only = os.environ.get("BENCH_SUBMIT_ONLY")  # run_all.py times one engine per call
    found = {} if only == "postgres" else {"sqlite": f"sqlite:///{tmp}/bench_{tag}.db"}
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not pg or only == "sqlite":
        return found, None
    schema = f"portgate_bench_submit_{tag}_{os.getpid()}"
    with sa.create_engine(pg).begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg else "?"
    found["postgres"] = f"{pg}{sep}options=-csearch_path%3D{schema}"
    return found, schema


def main() -> None:
    n = int(os.environ.get("BENCH_SUBMIT_N", "300"))
    check = os.environ.get("BENCH_POOL_CHECK") or None
    print(f"1-TN LSR -> FOC in process, N={n}, load {os.getloadavg()[0]:.2f}"
          + (f", pool check {check}" if check else ""))
    with tempfile.TemporaryDirectory() as tmp:
        urls, schema = engines(tmp, "one")
        projects, project_schema = engines(tmp, "projects")
        try:
            for name, url in urls.items():
                r = run(url, n, Path(tmp), check)
                print(f"{name:<9} wall {r['wall_ms_median']:.2f} ms (mean "
                      f"{r['wall_ms_mean']:.2f}) | cpu {r['cpu_ms_median']:.2f} ms (mean "
                      f"{r['cpu_ms_mean']:.2f}) | {r['statements']:g} statements (max "
                      f"{r['statements_max']}) | readyz "
                      f"{r['readyz_ms_median']:.3f} ms")
                if name == "sqlite":
                    w = writer_spans(f"sqlite:///{tmp}/bench_spans.db", n, Path(tmp))
                    print(f"sqlite    writer lock held per FOC: {w['free_span_ms']:.2f} ms of "
                          f"{w['free_request_ms']:.2f} (lock free: decided under it), "
                          f"{w['early_span_ms']:.2f} ms of {w['early_request_ms']:.2f} "
                          f"(decided while another writes); of which after the view's service "
                          f"returned {w['free_tail_ms']:.2f} / {w['early_tail_ms']:.2f} ms")
                p = run_projects(projects[name], Path(tmp))
                print(f"{name:<9} 500-TN project LSR end to end: median "
                      f"{p['wall_ms_median']:.1f} ms, max {p['wall_ms_max']:.1f} ms "
                      f"({p['n'] - 1} after a first)")
                if name == "postgres":
                    checks = pool_checks(url)
                    print("postgres  checkout + SELECT 1 (wall / client CPU): " + ", ".join(
                        f"{check} {wall:.0f} / {cpu:.0f} µs"
                        for check, (wall, cpu) in checks.items()))
        finally:
            pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            for name in (schema, project_schema):
                if pg and name:
                    with sa.create_engine(pg).begin() as conn:
                        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))


if __name__ == "__main__":
    main()
