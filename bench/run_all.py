"""`make bench`: every figure of issue 7, for SQLite and PostgreSQL, with its ratio.

    make bench                      # full: 10 M ported TNs, seed-demo --accounts 1000000
    BENCH_SCALE=small make bench    # quick: 200,000 TNs, 20,000 accounts (a few minutes)

PostgreSQL: BENCH_DATABASE_URL (default: TEST_DATABASE_URL's server, databases portgate_bench
and portgate_bench_import, created and dropped here); skipped when unreachable. Work files go
to BENCH_DIR (default /tmp/portgate-bench; about 1 GB at full scale, removed at the end unless
BENCH_KEEP=1). Results are printed and written to BENCH_DIR/results.json.
"""
from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine  # noqa: E402
import bench_npac  # noqa: E402
import gen_npac  # noqa: E402
import http_bench  # noqa: E402
from gateway.demo.accounts import AccountGenerator  # noqa: E402
from gateway.demo.plan import build_plan  # noqa: E402
from gateway.services.imports import ACCOUNT_COLUMNS  # noqa: E402

SCALES = {
    "small": {"npac_tns": 200_000, "accounts": 20_000, "account_rows": 100_000, "wrk_s": 5,
              "lookup_runs": 21, "big_runs": 10},
    "full": {"npac_tns": 10_000_000, "accounts": 1_000_000, "account_rows": 1_000_000,
             "wrk_s": 15, "lookup_runs": 51, "big_runs": 40},
}
ROOT = http_bench.ROOT
PY = http_bench.PY
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/portgate-bench"))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": cpu, "load": os.getloadavg()}


def flask(url: str, *args: str) -> tuple[float, str]:
    """Run a CLI command on the database; return (seconds, output)."""
    started = time.perf_counter()
    out = subprocess.run([PY, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                         env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return time.perf_counter() - started, out.stdout


def write_accounts(path: Path, rows_wanted: int) -> int:
    """The demo generator's accounts as an accounts file of about rows_wanted rows."""
    written = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACCOUNT_COLUMNS)
        for account in AccountGenerator(build_plan(), max(1000, rows_wanted // 3 + 1000)):
            rows = account.rows()
            if written + len(rows) > rows_wanted:
                break
            writer.writerows(rows)
            written += len(rows)
    return written


def generate(scale: dict) -> dict:
    """The NPAC files and the accounts file (BENCH_REUSE=1: those of an earlier run)."""
    saved = WORK / "files.json"
    if os.environ.get("BENCH_REUSE") and saved.exists():
        files = json.loads(saved.read_text())
        if files["npac_tns"] == scale["npac_tns"] and Path(files["accounts"]).exists():
            files["paths"] = {k: Path(v) for k, v in files["paths"].items()}
            return files
    files = gen_npac.write_files(scale["npac_tns"], WORK)
    files["accounts"] = WORK / "accounts.csv"
    files["account_rows"] = write_accounts(files["accounts"], scale["account_rows"])
    files["npac_tns"] = scale["npac_tns"]
    saved.write_text(json.dumps(files, default=str))
    return files


def databases(wanted: list[str]) -> dict[str, tuple[str, str]]:
    """engine name -> (benchmark URL, import-benchmark URL), fresh and empty."""
    found = {}
    if "sqlite" in wanted:
        for name in ("bench.db", "import.db"):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{WORK / name}{suffix}").unlink(missing_ok=True)
        found["sqlite"] = (f"sqlite:///{WORK / 'bench.db'}", f"sqlite:///{WORK / 'import.db'}")
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if "postgres" not in wanted:
        return found
    if not base:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
        return found
    url = sa.engine.make_url(base)
    try:
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for db in ("portgate_bench", "portgate_bench_import"):
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
                conn.exec_driver_sql(f"CREATE DATABASE {db}")
        admin.dispose()
    except sa.exc.OperationalError as err:
        print(f"PostgreSQL skipped: {err.orig}")
        return found
    render = lambda db: url.set(database=db).render_as_string(hide_password=False)  # noqa: E731
    found["postgres"] = (render("portgate_bench"), render("portgate_bench_import"))
    return found


def run_engine(name: str, url: str, import_url: str, files: dict, scale: dict) -> dict:
    """Every database figure for one engine."""
    result: dict = {}
    print(f"\n== {name} ==")
    seconds, out = flask(url, "seed-demo", "--accounts", str(scale["accounts"]))
    tns = int(next(line for line in out.splitlines() if line.startswith("accounts"))
              .split("TNs")[1].replace(",", ""))
    result["seed"] = {"accounts": scale["accounts"], "tns": tns, "seconds": seconds}
    print(f"seed-demo --accounts {scale['accounts']:,}: {tns:,} TNs in {seconds:.1f} s")
    seconds, _ = flask(url, "npac", "import-tns", str(files["paths"]["tns"]))
    result["import_tns"] = {"rows": scale["npac_tns"], "seconds": seconds,
                            "rps": scale["npac_tns"] / seconds}
    print(f"npac import-tns: {scale['npac_tns']:,} rows in {seconds:.1f} s = "
          f"{scale['npac_tns'] / seconds:,.0f} rows/s")
    seconds, _ = flask(import_url, "import-accounts", str(files["accounts"]))
    rows = files["account_rows"]
    result["import_accounts"] = {"rows": rows, "seconds": seconds, "rps": rows / seconds}
    print(f"import-accounts: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    sampler = gen_npac.Sampler(files["samples"], files["codes"])
    result["lookups"] = bench_npac.time_lookups(engine, sampler, scale["lookup_runs"])
    result["http"] = run_http(url, engine, scale, name)
    engine.dispose()
    return result


def run_http(url: str, engine: sa.Engine, scale: dict, name: str) -> dict:
    if not shutil.which("wrk"):
        print("HTTP figures skipped: wrk is not installed (apt-get install -y wrk)")
        return {}
    seconds = scale["wrk_s"]
    wanted = int(seconds * 3000 * 2.2)
    found = http_bench.simple_port_candidates(engine, WORK / "candidates.txt", wanted)
    api_token = http_bench.token(url)
    out: dict = {"candidates": found}
    run = f"{name[0]}{int(time.time()) % 46656:03x}"  # PONs unique across runs on one database
    with http_bench.Server(url):
        http_bench.get_load("/healthz", 2)  # warm up both workers
        out["healthz"] = http_bench.get_load("/healthz", seconds)
        out["readyz"] = http_bench.get_load("/readyz", seconds)
        out["lsr"] = http_bench.lsr_load(WORK, api_token, seconds, f"{run}f")
        half = out["lsr"]["rps"] / 2
        out["lsr_half"] = http_bench.lsr_load(WORK, api_token, seconds, f"{run}h", rate=half)
        out["big"] = http_bench.big_lsr(engine, api_token, scale["big_runs"], run)
    for key in ("healthz", "readyz", "lsr", "lsr_half"):
        r = out[key]
        print(f"{key:>8}: {r['rps']:8,.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:7.2f} ms"
              f"  errors {r['errors']}")
    if out["big"]:
        print(f"500-TN LSR end to end: p50 {out['big']['p50']:.1f} ms, p99 "
              f"{out['big']['p99']:.1f} ms ({out['big']['runs']} runs, {out['big']['statuses']})")
    return out


def summary(results: dict, engine_figures: dict) -> None:
    print("\n== summary (targets of issue 7) ==")
    for name, r in results.items():
        h = r["http"] or {"lsr": {"rps": 0.0}, "readyz": {"rps": 1.0}, "healthz": {"rps": 1.0},
                          "lsr_half": {"rps": 0.0, "p99": 0.0}, "big": {}}
        lookups = r["lookups"]
        print(f"[{name}]")
        target = "200,000" if name == "postgres" else "100,000"
        print(f"  import accounts {r['import_accounts']['rps']:,.0f} rows/s, NPAC TNs "
              f"{r['import_tns']['rps']:,.0f} rows/s (target {target})")
        for state, (ours, floor) in lookups.items():
            print(f"  current_providers {state}: {ours:.2f} ms vs floor {floor:.2f} ms = "
                  f"{ours / floor:.2f}x (target <= 2x)")
        print(f"  LSR {h['lsr']['rps']:,.0f} req/s = {h['lsr']['rps'] / h['readyz']['rps']:.2f} x "
              f"/readyz {h['readyz']['rps']:,.0f} (target >= 0.25), = "
              f"{h['lsr']['rps'] / h['healthz']['rps']:.2f} x /healthz {h['healthz']['rps']:,.0f}")
        print(f"  LSR at half load ({h['lsr_half']['rps']:,.0f} req/s): p99 "
              f"{h['lsr_half']['p99']:.1f} ms (target <= 50 ms)")
        if h["big"]:
            print(f"  500-TN LSR p50 {h['big']['p50']:.1f} ms, p99 {h['big']['p99']:.1f} ms "
                  f"(target p50 <= 80 ms on PostgreSQL)")
    print(f"[engine] check_lsr 500 TNs median {engine_figures['lsr'][0]:.2f} ms, p99 "
          f"{engine_figures['lsr'][1]:.2f} ms; due dates {engine_figures['due_dates']:,.0f}/s")


def main() -> None:
    scale_name = os.environ.get("BENCH_SCALE", "full")
    scale = SCALES[scale_name]
    WORK.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"Portgate benchmarks ({scale_name}): {info['date']}, {info['nproc']} CPUs "
          f"({info['cpu']}), load {info['load'][0]:.2f}")
    started = time.perf_counter()
    files = generate(scale)
    print(f"generated {scale['npac_tns']:,} ported TNs and {files['account_rows']:,} account "
          f"rows in {time.perf_counter() - started:.1f} s")
    print("\n== pure engine ==")
    engine_figures = {"lsr": bench_engine.bench_lsr(), "due_dates": bench_engine.bench_due_dates()}
    results = {}
    wanted = os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",")
    for name, (url, import_url) in databases(wanted).items():
        results[name] = run_engine(name, url, import_url, files, scale)
    summary(results, engine_figures)
    info["load_after"] = os.getloadavg()
    (WORK / "results.json").write_text(json.dumps(
        {"machine": info, "scale": scale_name, "engine": engine_figures, "results": results},
        indent=2, default=str))
    print(f"\nload average after: {info['load_after'][0]:.2f}; results in {WORK / 'results.json'}")
    if not os.environ.get("BENCH_KEEP"):
        for path in [*WORK.glob("*.csv"), WORK / "files.json"]:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
