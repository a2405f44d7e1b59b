"""`flask import-accounts` rows/s on a fresh database, with and without the CLI's start-up.

    python bench/bench_import.py [--engine postgres|sqlite] [--rows 1000000] [--runs 3]
                                 [--file PATH] [--in-process]

The file is bench/run_all.py's `write_accounts` (written to BENCH_DIR, default
/tmp/portgate-bench-import, unless --file names one). Each run gets an empty schema
(PostgreSQL: database portgate_bench_import_x, or BENCH_IMPORT_DB, on TEST_DATABASE_URL's
server, dropped at the end), then times `flask import-accounts` (cheap passcode hash, as
`make bench`; the project's bytecode compiled first, as `make install` does) and the CLI's
start-up alone (`flask --help` on the same app). Every figure is printed with the load average.
--in-process also times the import inside this process (wall and CPU of the client).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_all import APP, PY, ROOT, write_accounts  # noqa: E402

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/portgate-bench-import"))
DB = os.environ.get("BENCH_IMPORT_DB", "portgate_bench_import_x")  # another name beside a bench


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def fresh_database(engine: str) -> str:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / 'import.db'}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{WORK / 'import.db'}"
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ["TEST_DATABASE_URL"]
    url = sa.engine.make_url(base)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DB}")
    admin.dispose()
    return url.set(database=DB).render_as_string(hide_password=False)


def drop(engine: str) -> None:
    if engine == "postgres":
        base = os.environ.get("BENCH_DATABASE_URL") or os.environ["TEST_DATABASE_URL"]
        admin = sa.create_engine(sa.engine.make_url(base).set(database="postgres"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin.dispose()


def flask(url: str, *args: str) -> tuple[float, float, str]:
    """(wall seconds, child CPU seconds, output) of one CLI command."""
    before = os.times()
    started = time.perf_counter()
    out = subprocess.run([PY, "-m", "flask", "--app", APP, *args], cwd=ROOT,
                         env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = os.times()
    if out.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                           - before.children_system)
    return wall, cpu, out.stdout


def in_process(url: str, path: Path) -> tuple[float, float, int]:
    from gateway import create_app, db
    from gateway.platform.carrier_profile import carrier_profile
    from gateway.platform.passcodes import passcode_key
    from gateway.services import imports

    app = create_app({"DATABASE_URL": url, "PASSCODE_HASH": {"n": 2, "r": 1, "p": 1}})
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        with db.database().unit_of_work() as session:
            count = imports.import_accounts(session, str(path),
                                            states=frozenset(carrier_profile().states),
                                            passcode_key=passcode_key())
        result = time.perf_counter() - started, time.process_time() - cpu, count
        db.database().engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="postgres", choices=("postgres", "sqlite"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    # the installed tree's bytecode (`make install` writes it): the operator's start-up
    subprocess.run([PY, "-m", "compileall", "-q", "-j", "0", "gateway", "validators", "npac",
                    "forms", "app.py"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    path = args.file or WORK / f"accounts-{args.rows}.csv"
    if not path.exists():
        print(f"writing {path}: {write_accounts(path, args.rows):,} rows")
    rows = sum(1 for _ in path.open("rb")) - 1
    try:
        for run in range(1, args.runs + 1):
            url = fresh_database(args.engine)
            flask(url, "init-db")
            start_up = flask(url, "--help")[0]
            if args.in_process:
                before = load()
                wall, cpu, count = in_process(url, path)
                print(f"run {run} in-process: {count:,} rows in {wall:.2f} s = "
                      f"{count / wall:,.0f} rows/s, client CPU {cpu:.2f} s ({before}, {load()})",
                      flush=True)
                continue
            before = load()
            wall, cpu, out = flask(url, "import-accounts", str(path))
            assert f"imported {rows} rows" in out, out
            print(f"run {run} {args.engine}: {rows:,} rows in {wall:.2f} s = "
                  f"{rows / wall:,.0f} rows/s; less start-up ({start_up:.2f} s) "
                  f"{rows / (wall - start_up):,.0f} rows/s; client CPU {cpu:.2f} s "
                  f"({before}, {load()})", flush=True)
    finally:
        drop(args.engine)


if __name__ == "__main__":
    main()
