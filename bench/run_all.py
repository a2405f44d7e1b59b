"""`make bench`: every figure of issues 7 and 17, for SQLite and PostgreSQL, with its ratio.

    make bench                      # full: 10 M ported TNs, seed-demo --accounts 1000000
    BENCH_SCALE=small make bench    # quick: 200,000 TNs, 55,000 accounts (about 5 minutes)

PostgreSQL: BENCH_DATABASE_URL (default: TEST_DATABASE_URL's server, databases portgate_bench
and portgate_bench_import, created and dropped here); skipped when unreachable. The HTTP figures
need wrk (`apt-get install -y wrk`); the limiter-on run with Redis storage needs Redis at
BENCH_REDIS_URL (default redis://127.0.0.1:6379/15). Work files go to BENCH_DIR (default
/tmp/portgate-bench; about 1 GB at full scale, removed at the end unless BENCH_KEEP=1). Results
are printed, the summary last (one line per figure: value, target, ✔/✘, ratio, load), and
written to BENCH_DIR/results.json.

The CLI commands run with a cheap passcode hash (scrypt n=2): the import figures measure the
load path; the production hash cost is measured on its own (passcodes/s on every core), and a
file's import takes (its passcodes) / (that rate) more.

Beside Portgate's 1-TN LSR runs, each turn runs the issue's "lean skeleton" (floor_app.py:
Flask + SQLAlchemy Core, a token look-up, four reads, five inserts, no rules) on the same
database and bodies, served the same way: what the stack allows on this machine, in the same
minutes.
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

import bench_batches  # noqa: E402
import bench_engine  # noqa: E402
import bench_npac  # noqa: E402
import floor_app  # noqa: E402
import gen_npac  # noqa: E402
import http_bench  # noqa: E402
from gateway.db import make_engine  # noqa: E402
from gateway.demo.accounts import AccountGenerator  # noqa: E402
from gateway.demo.plan import build_plan  # noqa: E402
from gateway.services.imports import ACCOUNT_COLUMNS  # noqa: E402
from validators.passcode import PasscodeKey, hash_passcode  # noqa: E402

SCALES = {
    "small": {"npac_tns": 200_000, "accounts": 55_000, "account_rows": 100_000, "wrk_s": 5,
              "lookup_runs": 21, "big_runs": 10, "batch_n": 500},  # issue 15: 500-LSR batch
    "full": {"npac_tns": 10_000_000, "accounts": 1_000_000, "account_rows": 1_000_000,
             "wrk_s": 15, "lookup_runs": 51, "big_runs": 40, "batch_n": 500},
}
# the CLI's app: a cheap passcode hash (the import and the seed measure the load path)
APP = "gateway:create_app({'PASSCODE_HASH': {'n': 2, 'r': 1, 'p': 1}})"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
MAX_LSR_RPS = 1000  # TNs set aside per second of a full-load LSR run (each LSR takes its own)
PAIRS = 3  # /readyz and full-load LSR runs, taking turns: the ratio is the median pair's
# candidate TNs per run, in full-load runs' worth: PAIRS full-load runs limiter off ("f0"...),
# the paced run half a share, the limiter runs (off, memory, Redis), each server's one-second
# warm-up a fifth
SHARES = {**{f"f{turn}": 1.0 for turn in range(PAIRS)}, "h": 0.5, "o": 1.0, "m": 1.0,
          "r": 1.0, "wf": 0.2, "wo": 0.2, "wm": 0.2, "wr": 0.2}
# (figure, PostgreSQL target, SQLite target) of issue 17; None: no target on that engine
TARGETS = {"lsr_ratio": 0.25, "half_p99_ms": 50.0, "big_p50_ms": (25.0, None),
           "import_rps": (200_000, 100_000), "batch_ratio": 1.0}
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
    out = subprocess.run([PY, "-m", "flask", "--app", APP, *args], cwd=ROOT,
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
    start_up, _ = flask(import_url, "init-db")  # the CLI's own start-up, for reference
    seconds, _ = flask(import_url, "import-accounts", str(files["accounts"]))
    rows = files["account_rows"]
    result["import_accounts"] = {"rows": rows, "seconds": seconds, "rps": rows / seconds,
                                 "start_up": start_up, "load": os.getloadavg()[0]}
    print(f"import-accounts: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s "
          f"(CLI wall time; its start-up alone {start_up:.1f} s; load "
          f"{result['import_accounts']['load']:.2f})")
    engine = make_engine(url)  # the app's own connection settings (PostgreSQL's plan cache mode)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    settle(engine)
    sampler = gen_npac.Sampler(files["samples"], files["codes"])
    result["lookups"] = bench_npac.time_lookups(engine, sampler, scale["lookup_runs"])
    result["http"] = run_http(url, engine, scale, name)
    engine.dispose()
    return result


def settle(engine: sa.Engine) -> None:
    """Write out what the loads left in memory before anything is timed: PostgreSQL's dirty
    buffers (CHECKPOINT, when the role may) and the OS's dirty pages (sync), so the LSR runs
    do not share the disk with the write-back of the benchmark's own bulk loads (an earlier
    engine's too: SQLite's files are still being written when PostgreSQL's turns begin)."""
    if engine.dialect.name == "postgresql":
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")
                conn.commit()
        except sa.exc.DBAPIError as err:  # not a superuser nor pg_checkpoint: the OS's part only
            print(f"CHECKPOINT skipped: {err.orig}")
    started = time.perf_counter()
    os.sync()
    print(f"settled the loads' writes in {time.perf_counter() - started:.1f} s")


def run_http(url: str, engine: sa.Engine, scale: dict, name: str) -> dict:
    if not shutil.which("wrk"):
        print("HTTP figures SKIPPED: wrk is not installed (apt-get install -y wrk)")
        return {}
    seconds = scale["wrk_s"]
    per_run = seconds * MAX_LSR_RPS
    found = http_bench.simple_port_candidates(engine, WORK / "candidates.txt",
                                              int(per_run * sum(SHARES.values())))
    slices = _candidate_slices(per_run)  # no TN is sent by two runs
    api_token = http_bench.token(url)
    out: dict = {"candidates": found}
    run = f"{name[0]}{int(time.time()) % 46656:03x}"  # PONs unique across runs on one database

    def lsr(tag: str, rate: float | None = None, *, share: str | None = None,
            port: int = http_bench.PORT) -> dict:
        """One LSR run on the candidates of `share` (default: the tag's own slice); FOCs
        counted, except by the skeleton, which gets the TNs Portgate has just confirmed."""
        figures = http_bench.lsr_load(WORK, api_token, seconds, f"{run}{tag}", rate=rate,
                                      candidates=slices[share or tag], port=port,
                                      foc_only=share is None)
        return {**figures, "load": os.getloadavg()[0]}

    def warm_up(tag: str) -> None:
        """A new server's workers take LSRs for a second before a measured run: each worker's
        first LSRs compile the statements and load the calendar (~0.3 s of CPU per worker,
        measured: 16-18 % of a 5-second run's throughput), which a server that has served
        once has done."""
        http_bench.get_load("/healthz", 1)
        http_bench.lsr_load(WORK, api_token, 1, f"{run}{tag}", candidates=slices[tag])

    floor_app.prepare(engine)
    floor = http_bench.Server(url, target="floor_app:create_app()", port=http_bench.PORT + 1)
    with http_bench.Server(url), floor:  # API rate limit off: the runs measure the path
        warm_up("wf")
        http_bench.lsr_load(WORK, api_token, 1, f"{run}ws", candidates=slices["wf"],
                            port=floor.port)  # the skeleton's workers, warmed up the same way
        out["healthz"] = {**http_bench.get_load("/healthz", seconds), "load": os.getloadavg()[0]}
        # /readyz and the LSR load take turns, PAIRS times: each ratio is of two runs in the
        # same half-minute, and the figure is the pair with the median ratio (this machine's speed
        # drifts by ±25 % from minute to minute: one run of each put 0.09-0.16 x on one code).
        # Each turn ends with the lean skeleton (floor_app.py) on the same bodies.
        pairs = []
        for turn in range(PAIRS):
            ready = {**http_bench.get_load("/readyz", seconds), "load": os.getloadavg()[0]}
            pairs.append((ready, lsr(f"f{turn}"),
                          lsr(f"s{turn}", share=f"f{turn}", port=floor.port)))
        if engine.dialect.name == "sqlite":  # kept bounded under load (sqlite_writer)
            out["wal_bytes"] = _wal_bytes(engine)
        pairs.sort(key=lambda pair: pair[1]["rps"] / pair[0]["rps"])
        out["readyz"], out["lsr"], out["skeleton"] = pairs[len(pairs) // 2]
        out["pairs"] = [{"readyz": r["rps"], "lsr": x["rps"], "ratio": x["rps"] / r["rps"],
                         "skeleton": k["rps"], "skeleton_ratio": k["rps"] / r["rps"]}
                        for r, x, k in pairs]
        out["lsr_half"] = lsr("h", rate=out["lsr"]["rps"] / 2)
        out["big"] = http_bench.big_lsr(engine, api_token, scale["big_runs"], run)
        if out["big"]:
            out["big"]["load"] = os.getloadavg()[0]
    # The limiter's cost: each limiter-on run beside a limiter-off run of a server started the
    # same way just before it, not beside the turns above: by now the database holds those
    # runs' orders and the 500-TN ones, and on SQLite a full-scale file answered the later runs
    # markedly slower whatever the limiter (session 21: 0.54-0.65 x the turns' figure).
    with http_bench.Server(url):
        warm_up("wo")
        out["lsr_limit_off"] = lsr("o")
    limit = {"PORTGATE_API_RATE_LIMIT": "100000000"}  # counted on every request, never reached
    with http_bench.Server(url, {**limit, "PORTGATE_RATELIMIT_STORAGE_URI": "memory://"}):
        warm_up("wm")
        out["lsr_limit_memory"] = lsr("m")
    if _redis_counters() is None:
        print(f"limiter with Redis SKIPPED: no Redis at {REDIS}")
    else:
        with http_bench.Server(url, {**limit, "PORTGATE_RATELIMIT_STORAGE_URI": REDIS}):
            warm_up("wr")
            out["lsr_limit_redis"] = lsr("r")
        out["lsr_limit_redis"]["redis_keys"] = _redis_counters()
    print(f"simple-port candidates: {found:,} (up to {per_run:,} per full-load run)")
    print("/readyz, LSR and skeleton turns: " + ", ".join(
        f"{p['readyz']:,.0f} / {p['lsr']:,.0f} / {p['skeleton']:,.0f} req/s = {p['ratio']:.3f} / "
        f"{p['skeleton_ratio']:.3f} x" for p in out["pairs"]))
    for key in ("healthz", "readyz", "lsr", "skeleton", "lsr_half", "lsr_limit_off",
                "lsr_limit_memory", "lsr_limit_redis"):
        if key in out:
            r = out[key]
            print(f"{key:>16}: {r['rps']:8,.0f} req/s  p50 {r['p50']:6.2f} ms  p99 "
                  f"{r['p99']:7.2f} ms  {'non-2xx' if key.endswith('z') else 'non-FOC'} "
                  f"{r['errors']}  load {r['load']:.2f}")
    if "wal_bytes" in out:
        print(f"SQLite's WAL file after the turns: {out['wal_bytes'] / 2**20:,.0f} MB "
              f"(bounded: sqlite_writer.RESTART_FRAMES, WAL_SIZE_LIMIT)")
    if out["big"]:
        print(f"500-TN LSR end to end: p50 {out['big']['p50']:.1f} ms, p99 "
              f"{out['big']['p99']:.1f} ms ({out['big']['runs']} runs, {out['big']['statuses']})")
    return out


def _wal_bytes(engine: sa.Engine) -> int:
    """The size of the SQLite database's WAL file (0 when there is none)."""
    wal = Path(f"{engine.url.database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _candidate_slices(per_run: int) -> dict[str, Path]:
    """Split candidates.txt into one file per LSR run (`SHARES`)."""
    lines = (WORK / "candidates.txt").read_text().splitlines(keepends=True)
    size = max(1, min(per_run, int(len(lines) / sum(SHARES.values()))))
    slices, start = {}, 0
    for tag, share in SHARES.items():
        path = WORK / f"candidates_{tag}.txt"
        end = start + max(1, int(size * share))
        chosen = lines[start:end] or lines[:1]  # too few candidates: reuse (counted as non-FOC)
        path.write_text("".join(chosen))
        slices[tag], start = path, end
    return slices


def _redis_counters() -> int | None:
    """How many of the limiter's keys Redis holds; None when Redis does not answer."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
        return sum(1 for _ in client.scan_iter(match="*portgate*"))
    except Exception:  # noqa: BLE001 - any failure means "no Redis to measure with"
        return None


def passcode_rate(seconds: float = 3.0) -> dict:
    """Production-cost passcode hashes per second on every core (the import's thread pool)."""
    from concurrent.futures import ThreadPoolExecutor

    key = PasscodeKey(pepper=b"bench")
    cores = os.cpu_count() or 1
    done, started = 0, time.perf_counter()
    with ThreadPoolExecutor(max_workers=cores) as pool:
        while time.perf_counter() - started < seconds:
            done += len(list(pool.map(lambda p: hash_passcode(p, key), ["4321"] * cores * 2)))
    elapsed = time.perf_counter() - started
    return {"n": key.n, "r": key.r, "p": key.p, "hashes": done, "per_s": done / elapsed,
            "cores": cores, "load": os.getloadavg()[0]}


def run_submit(url: str) -> str | None:
    """bench/bench_submit.py (the in-process submission timer), when it exists: its output."""
    script = ROOT / "bench" / "bench_submit.py"
    if not script.exists():
        return None
    postgres = url.startswith("postgresql")
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL",
                                                              "TEST_DATABASE_URL")}
    env |= {"PYTHONPATH": str(ROOT), "BENCH_SUBMIT_ONLY": "postgres" if postgres else "sqlite"}
    if postgres:
        env["BENCH_DATABASE_URL"] = url
    return _script_output(script, env)


def _script_output(script: Path, env: dict[str, str]) -> str:
    """What a bench script printed, with its exit status and error tail when it failed."""
    out = subprocess.run([PY, str(script)], cwd=ROOT, capture_output=True, text=True, env=env)
    return (out.stdout + (f"\n(exit {out.returncode}) {out.stderr[-2000:]}" if out.returncode
                          else "")).strip()


def run_instructions() -> str:
    """bench/bench_instructions.py's line: instructions per in-process 1-TN FOC (valgrind)."""
    return _script_output(ROOT / "bench" / "bench_instructions.py",
                          {**os.environ, "PYTHONPATH": str(ROOT)})


def _line(label: str, value: str, target: str, ok: bool | None, ratio: str, load: float
          ) -> None:
    mark = {True: "✔", False: "✘", None: " "}[ok]
    print(f"  {label:<34} {value:<32} target {target or '-':<18} {mark}  {ratio:<42} "
          f"load {load:.2f}")


def _target(key: str, name: str) -> float | None:
    goal = TARGETS[key]
    return (goal[0] if name == "postgres" else goal[1]) if isinstance(goal, tuple) else goal


def summary(results: dict, engine_figures: dict, batches: dict, passcodes: dict) -> None:
    print("\n== summary (targets of issues 7 and 17; ratios within this run) ==")
    for name, r in results.items():
        print(f"[{name}]")
        imp = r["import_accounts"]
        goal = _target("import_rps", name)
        net = imp["rows"] / max(0.01, imp["seconds"] - imp["start_up"])
        _line("import-accounts", f"{imp['rps']:,.0f} rows/s ({imp['rows']:,} rows)",
              f">= {goal:,.0f} rows/s", imp["rps"] >= goal,
              f"= {imp['rps'] / goal:.2f} x target ({net:,.0f}/s less start-up)", imp["load"])
        for state, (ours, floor) in r["lookups"].items():
            _line(f"current_providers {state}", f"{ours:.2f} ms (floor {floor:.2f})",
                  "<= 2 x floor", ours / floor <= 2, f"= {ours / floor:.2f} x floor", imp["load"])
        h = r["http"]
        if not h:
            print("  HTTP figures skipped (no wrk)")
            continue
        ready, health = h["readyz"]["rps"], h["healthz"]["rps"]
        _line("/healthz", f"{health:,.0f} req/s", "", None, "", h["healthz"]["load"])
        _line("/readyz", f"{ready:,.0f} req/s", "", None, f"= {ready / health:.2f} x /healthz",
              h["readyz"]["load"])
        lsr = h["lsr"]
        goal = TARGETS["lsr_ratio"]
        _line("LSR 1-TN -> FOC (limiter off)", f"{lsr['rps']:,.0f} req/s (non-FOC "
              f"{lsr['errors']})", f">= {goal} x /readyz", lsr["rps"] / ready >= goal,
              f"= {lsr['rps'] / ready:.3f} x /readyz (median of {len(h.get('pairs', [0]))} "
              "turns)", lsr["load"])
        if "skeleton" in h:
            k = h["skeleton"]
            _line("  the issue's lean skeleton", f"{k['rps']:,.0f} req/s (non-FOC "
                  f"{k['errors']})", "", None, f"= {k['rps'] / ready:.3f} x /readyz; Portgate "
                  f"{lsr['rps'] / k['rps']:.2f} x it", k["load"])
        half = h["lsr_half"]
        goal = TARGETS["half_p99_ms"]
        _line("LSR at half load: p99", f"{half['p99']:.1f} ms at {half['rps']:,.0f} req/s",
              f"<= {goal:.0f} ms", half["p99"] <= goal, f"p50 {half['p50']:.1f} ms",
              half["load"])
        off = h.get("lsr_limit_off", lsr)  # the limiter-off run next to the limiter-on ones
        if "lsr_limit_off" in h:
            _line("LSR, limiter off (control)", f"{off['rps']:,.0f} req/s (non-FOC "
                  f"{off['errors']})", "", None, "a server started as the next two",
                  off["load"])
        for key, storage in (("lsr_limit_memory", "memory"), ("lsr_limit_redis", "Redis")):
            if key in h:
                x = h[key]
                _line(f"LSR, limiter on ({storage})", f"{x['rps']:,.0f} req/s (non-FOC "
                      f"{x['errors']})", "", None, f"= {x['rps'] / off['rps']:.2f} x limiter off"
                      + (f"; Redis holds {x['redis_keys']} limiter key(s)" if "redis_keys" in x
                         else ""),
                      x["load"])
        if h["big"]:
            goal = _target("big_p50_ms", name)
            _line("500-TN LSR end to end: p50", f"{h['big']['p50']:.1f} ms (p99 "
                  f"{h['big']['p99']:.1f})", f"<= {goal:.0f} ms" if goal else "(PostgreSQL only)",
                  h["big"]["p50"] <= goal if goal else None,
                  f"= {h['big']['p50'] / goal:.2f} x target" if goal else "", h["big"]["load"])
        if name in batches:
            b = batches[name]
            _line("batch LSRs vs single API LSRs", f"{b['batch_per_s']:.1f} vs "
                  f"{b['single_per_s']:.1f} LSR/s", ">= 1 x single",
                  b["ratio"] >= TARGETS["batch_ratio"], f"= {b['ratio']:.2f} x single (median "
                  f"of {len(b.get('ratios', [0]))} runs)", b["load"])
    print("[engine]")
    _line("check_lsr, 500 TNs", f"median {engine_figures['lsr'][0]:.2f} ms, p99 "
          f"{engine_figures['lsr'][1]:.2f}", "", None, "", engine_figures["load"])
    _line("due dates", f"{engine_figures['due_dates']:,.0f} per s", "", None, "",
          engine_figures["load"])
    _line("passcode hashes (production cost)", f"{passcodes['per_s']:,.1f} per s", "", None,
          f"scrypt n={passcodes['n']}, {passcodes['cores']} cores", passcodes["load"])


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
    if not shutil.which("wrk"):
        print("\n!! wrk is not installed: every HTTP figure (req/s, LSR throughput, latencies) "
              "will be SKIPPED. Install it: apt-get install -y wrk\n")
    print("\n== pure engine ==")
    engine_figures = {"lsr": bench_engine.bench_lsr(), "due_dates": bench_engine.bench_due_dates(),
                      "load": os.getloadavg()[0]}
    passcodes = passcode_rate()
    print(f"passcode hashes at production cost: {passcodes['per_s']:,.1f}/s on "
          f"{passcodes['cores']} cores (file import: + passcodes / this rate)")
    results, submits = {}, {}
    wanted = os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",")
    for name, (url, import_url) in databases(wanted).items():
        results[name] = run_engine(name, url, import_url, files, scale)
        submits[name] = run_submit(url)
        if submits[name] is not None:
            print(f"bench_submit.py ({name}):\n{submits[name]}")
    print(f"\n== batch LSRs beside single API LSRs (N={scale['batch_n']} each) ==")
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    batches = bench_batches.measure(scale["batch_n"], pg if "postgres" in results else None,
                                    tuple(results))
    for name, b in batches.items():
        b["load"] = os.getloadavg()[0]
        print(f"{name}: single {b['single_per_s']:.1f} LSR/s, batch {b['batch_per_s']:.1f} "
              f"LSR/s = {b['ratio']:.2f}x (the median of "
              f"{', '.join(f'{x:.2f}' for x in b['ratios'])})")
    instructions = run_instructions()
    summary(results, engine_figures, batches, passcodes)
    for name, text in submits.items():
        if text is not None:
            print(f"[{name}] bench_submit.py (in-process submission):\n{text}")
    print(f"[sqlite] bench_instructions.py (callgrind; the figure that does not drift):\n"
          f"{instructions}")
    info["load_after"] = os.getloadavg()
    (WORK / "results.json").write_text(json.dumps(
        {"machine": info, "scale": scale_name, "engine": engine_figures, "results": results,
         "batches": batches, "passcodes": passcodes, "bench_submit": submits,
         "instructions": instructions}, indent=2, default=str))
    print(f"\nload average after: {info['load_after'][0]:.2f}; results in {WORK / 'results.json'}")
    if not os.environ.get("BENCH_KEEP"):
        for path in [*WORK.glob("*.csv"), *WORK.glob("candidates*.txt"), WORK / "files.json"]:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
