"""Batch LSRs per second beside single API LSRs per second, in the same run (issue 15).

    python bench/bench_batches.py            # N=500 one-TN simple ports each way, SQLite + PG
    BENCH_BATCH_N=100 python bench/bench_batches.py

Each side gets its own N fresh one-TN accounts (so no LSR sees another's TN) on a fresh
database; the whole measurement runs three times per engine (`REPEATS`), each on a database
of its own, and the run of median ratio is the figure. "single": N `POST /api/v1/lsrs` one
after another through the app (in-process WSGI client, no network: the same for both sides),
each its own request and
transaction. "batch": one `POST /api/v1/lsr-batches` of N, then the worker's batch step
(`Worker.run_batches`: every LSR in its own transaction at the batch's received time; the
round's delivery step is left out, as the single side sends no notice either). Both end in N
FOCs; the figure is LSRs per second of wall time. PostgreSQL: BENCH_DATABASE_URL or
TEST_DATABASE_URL (a schema of its own, dropped after); skipped when unset.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway import create_app  # noqa: E402
from gateway.platform.warm import settle_collector  # noqa: E402
from gateway.platform.worker import Worker  # noqa: E402

EXAMPLES = ROOT / "tests" / "data" / "examples"
FROZEN = "2026-11-23T10:00:00-08:00"


def _cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    if result.exit_code:
        raise SystemExit(f"flask {' '.join(map(str, args))}: {result.output}")
    return result.output


def _world(app, workdir: Path, n: int) -> tuple[str, list[tuple[str, str]]]:
    for kind in ("spids", "codes", "blocks", "tns"):
        _cli(app, "npac", f"import-{kind}", EXAMPLES / f"{kind}.csv")
    header = (EXAMPLES / "accounts.csv").read_text().splitlines()[0]
    pairs = [(str(600000 + i), str(5415552000 + i)) for i in range(2 * n)]
    rows = [f"{an},{tn},BENCH {i},1,,MAIN,ST,,,,BEND,OR,97703,{tn},working,pots,N,,,N,"
            for i, (an, tn) in enumerate(pairs)]
    (workdir / "accounts.csv").write_text("\n".join([header, *rows]) + "\n")
    _cli(app, "import-accounts", workdir / "accounts.csv")
    _cli(app, "partner", "add", "--name", "Blue Heron Wireless", "--ccna", "BHW", "--spid",
         "B451", "--type", "wireless")
    _cli(app, "user", "add", "--username", "bench", "--email", "bench@example.net",
         "--password", "Port-Gate-2026!x", "--role", "partner_user", "--partner", "BHW")
    return _cli(app, "token", "issue", "bench").strip(), pairs


def bench_app(url: str, **config):
    """The app every in-process benchmark submits through: cheap password hashing, the
    frozen clock of the examples' due dates, the per-partner limit off (`config` adds)."""
    os.environ["PORTGATE_API_RATE_LIMIT"] = "0"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FROZEN_NOW": FROZEN,
                      "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024,
                                        "parallelism": 1}, **config})
    settle_collector()  # as app.py does for the served app
    return app


def submit_foc(client, headers: dict, pon: str, an: str, tn: str) -> None:
    """POST one 1-TN simple port; it must answer 201 with an FOC."""
    resp = client.post("/api/v1/lsrs", json=_lsr(pon, an, tn), headers=headers)
    assert resp.status_code == 201 and resp.get_json()["status"] == "foc", resp.data[:300]


def _lsr(pon: str, an: str, tn: str) -> dict:
    return {"ccna": "BHW", "pon": pon, "ver": "1", "an": an, "cc": "B451", "npdi": "C",
            "reqtyp": "CB", "act": "V", "ddd": "2026-11-25", "agauth": "Y",
            "init_tel": "5419990123", "eu": {"zip": "97703"}, "tns": [tn]}


def run(url: str, n: int, workdir: Path) -> dict[str, float]:
    app = bench_app(url)
    token, pairs = _world(app, workdir, n)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    started = time.perf_counter()
    for i, (an, tn) in enumerate(pairs[:n]):
        submit_foc(client, headers, f"S{i}", an, tn)
    single = time.perf_counter() - started

    started = time.perf_counter()
    resp = client.post("/api/v1/lsr-batches", headers=headers, json={
        "lsrs": [_lsr(f"B{i}", an, tn) for i, (an, tn) in enumerate(pairs[n:])]})
    assert resp.status_code == 202, resp.data[:300]
    report = Worker(app).run_batches()  # the answering only: neither side's notices are sent
    batch = time.perf_counter() - started
    assert report.lsrs == n, report
    body = client.get(f"/api/v1/lsr-batches/{resp.get_json()['id']}", headers=headers).get_json()
    assert [i["lsr"]["status"] for i in body["items"]] == ["foc"] * n
    app.extensions["portgate_db"].engine.dispose()
    return {"n": n, "single_s": single, "single_per_s": n / single, "batch_s": batch,
            "batch_per_s": n / batch, "ratio": (n / batch) / (n / single)}


REPEATS = 3  # whole measurements per engine, each on a fresh database: the median's figures


def measure(n: int, pg: str | None, engines: tuple[str, ...] = ("sqlite", "postgres")
            ) -> dict[str, dict]:
    """engine name -> figures of `run`, REPEATS times, each on a fresh database (PostgreSQL:
    a schema of its own on the server of `pg`, dropped after; skipped when `pg` is None): the
    run of median ratio, with every run's ratio ("ratios"). One run of N = 100 lasts about a
    second a side, and this machine's speed drifts by a quarter from minute to minute."""
    results: dict[str, dict] = {}
    names = [name for name in engines if name == "sqlite" or (name == "postgres" and pg)]
    for name in names:
        runs = []
        for repeat in range(REPEATS):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(_run_on(name, pg, n, Path(tmp), repeat))
        runs.sort(key=lambda r: r["ratio"])
        results[name] = {**runs[len(runs) // 2], "ratios": [r["ratio"] for r in runs]}
    return results


def _run_on(name: str, pg: str | None, n: int, tmp: Path, repeat: int) -> dict[str, float]:
    if name == "sqlite":
        return run(f"sqlite:///{tmp}/bench.db", n, tmp)
    assert pg is not None
    schema = f"portgate_bench_batches_{os.getpid()}_{repeat}"
    with sa.create_engine(pg).begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg else "?"
    try:
        return run(f"{pg}{sep}options=-csearch_path%3D{schema}", n, tmp)
    finally:
        with sa.create_engine(pg).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def main() -> None:
    n = int(os.environ.get("BENCH_BATCH_N", "500"))  # issue 15: a 500-LSR batch
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    print(f"batch vs single LSRs, N={n} each, load {os.getloadavg()[0]:.2f}")
    for name, r in measure(n, pg).items():
        print(f"{name:<9} single API: {r['single_per_s']:6.1f} LSR/s "
              f"({r['single_s']:.1f} s) | batch: {r['batch_per_s']:6.1f} LSR/s "
              f"({r['batch_s']:.1f} s)"
              f" | batch/single {r['ratio']:.2f}x (median of "
              f"{', '.join(f'{x:.2f}' for x in r['ratios'])})")


if __name__ == "__main__":
    main()
