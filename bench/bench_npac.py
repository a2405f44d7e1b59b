"""Benchmark the NPAC simulator: bulk-load ported TNs, then resolve 500 TNs (plain timers).

    .venv/bin/python bench/bench_npac.py --tns 1000000
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/bench_npac.py

Loads N deterministic ported TNs through npac.importers.import_tns into a SQLite file under /tmp
and (when TEST_DATABASE_URL is set) into PostgreSQL schema npac_bench, printing rows/s; then
times SqlRegistry.current_providers for 500 random TNs (median of runs) beside one hand-written
batched SQL query for the same TNs (the floor), and prints the ratio.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from npac import importers  # noqa: E402
from npac.models import NpacBase  # noqa: E402
from npac.simulator import SqlRegistry  # noqa: E402

NPAS = ("206", "253", "360", "425", "458", "503", "509", "541", "971", "208", "406", "702")
N_SPIDS = 40
PG_SCHEMA = "npac_bench"
FLOOR_SQL = """
SELECT t.tn, COALESCE(sv.new_spid, b.spid, c.spid), COALESCE(sv.lrn, b.lrn, c.lrn), s.name
FROM {tns} AS t(tn)
LEFT JOIN npac_subscription_versions sv ON sv.tn = t.tn AND sv.status = 'active'
LEFT JOIN npac_thousands_blocks b ON b.npa_nxx_x = substr(t.tn, 1, 7)
LEFT JOIN npac_npa_nxx_codes c ON c.npa_nxx = substr(t.tn, 1, 6)
LEFT JOIN npac_spids s ON s.spid = COALESCE(sv.new_spid, b.spid, c.spid)
"""
# SQLite would build a Bloom filter over every SV for the join above: probe per TN instead.
FLOOR_SQLITE = """
SELECT x.tn, x.spid, s.name FROM (SELECT t.column1 AS tn, COALESCE(
  (SELECT sv.new_spid FROM npac_subscription_versions sv
   WHERE sv.tn = t.column1 AND sv.status = 'active'),
  (SELECT b.spid FROM npac_thousands_blocks b WHERE b.npa_nxx_x = substr(t.column1, 1, 7)),
  (SELECT c.spid FROM npac_npa_nxx_codes c WHERE c.npa_nxx = substr(t.column1, 1, 6))) AS spid
  FROM {tns} AS t) AS x
LEFT JOIN npac_spids s ON s.spid = x.spid
"""


class Dataset:
    """Deterministic NPAC data: 2N TN slots over NPA-NXX codes, N of them ported."""

    def __init__(self, n_tns: int, workdir: Path) -> None:
        self.n_tns, self.workdir = n_tns, workdir
        n_codes = max(1, -(-2 * n_tns // 10_000))
        rng = random.Random(7)
        pairs = [(npa, nxx) for npa in NPAS for nxx in range(200, 1000)]
        rng.shuffle(pairs)
        if n_codes > len(pairs):
            raise SystemExit(f"--tns {n_tns} needs more NPAs than the benchmark knows")
        self.prefixes = [f"{npa}{nxx}" for npa, nxx in pairs[:n_codes]]
        self.spids = [f"S{i:03d}" for i in range(N_SPIDS)]
        self.space = n_codes * 10_000
        self.step = 7_919_393  # coprime to the slot space: a scattered, duplicate-free order
        while _gcd(self.step, self.space) != 1:
            self.step += 2

    def tn(self, i: int) -> str:
        slot = (i * self.step) % self.space
        return f"{self.prefixes[slot // 10_000]}{slot % 10_000:04d}"

    def write(self) -> dict[str, Path]:
        files = {k: self.workdir / f"bench_{k}.csv" for k in ("spids", "codes", "blocks", "tns")}
        with files["spids"].open("w") as out:
            out.write("spid,name,type\n")
            out.writelines(f"{s},Carrier {s},wireline\n" for s in self.spids)
        with files["codes"].open("w") as out:
            out.write("npa_nxx,spid,lrn\n")
            out.writelines(f"{p},{self.spids[i % N_SPIDS]},{p}0000\n"
                           for i, p in enumerate(self.prefixes))
        with files["blocks"].open("w") as out:
            out.write("npa_nxx_x,spid,lrn\n")
            out.writelines(f"{p}{i % 10},{self.spids[(i * 7) % N_SPIDS]},{p}{i % 10}000\n"
                           for i, p in enumerate(self.prefixes) if i % 5 == 0)
        with files["tns"].open("w") as out:
            out.write("tn,spid,lrn\n")
            for start in range(0, self.n_tns, 100_000):
                out.writelines(f"{self.tn(i)},{self.spids[i % N_SPIDS]},{self.tn(i)[:6]}9999\n"
                               for i in range(start, min(start + 100_000, self.n_tns)))
        return files

    def sample(self, rng: random.Random, size: int = 500) -> list[str]:
        """Half ported TNs, half any slot of the same codes (ported or not)."""
        ported = [self.tn(rng.randrange(self.n_tns)) for _ in range(size // 2)]
        anyslot = [f"{rng.choice(self.prefixes)}{rng.randrange(10_000):04d}"
                   for _ in range(size - size // 2)]
        return list(dict.fromkeys(ported + anyslot))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def load(engine: sa.Engine, files: dict[str, Path], n_tns: int) -> None:
    """Import the four files in one transaction and print the tns.csv rate."""
    NpacBase.metadata.create_all(engine)
    with engine.connect() as conn:
        for kind in ("spids", "codes", "blocks"):
            getattr(importers, f"import_{kind}")(conn, str(files[kind]))
        started = time.perf_counter()
        count = importers.import_tns(conn, str(files["tns"]))
        loaded = time.perf_counter() - started
        conn.commit()
        committed = time.perf_counter() - started
    print(f"  import_tns: {count:,} rows in {loaded:.1f} s = {count / loaded:,.0f} rows/s "
          f"({count / committed:,.0f} rows/s with commit)")
    assert count == n_tns
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def time_lookups(engine: sa.Engine, data: Dataset, runs: int) -> dict[str, tuple[float, float]]:
    """Print median times of current_providers and of the one-query floor for 500 TNs.

    Each run draws new TNs; the two methods take turns going first, so each is timed "cold"
    (its pages not yet in the database cache) on half the runs and "warm" on the other half.
    """
    rng = random.Random(11)
    times: dict[tuple[str, str], list[float]] = {}
    with engine.connect() as conn:
        registry = SqlRegistry(Session(bind=conn))
        raw = conn.connection.driver_connection
        postgres = engine.dialect.name == "postgresql"
        methods = {"ours": registry.current_providers,
                   "floor": lambda tns: _floor(raw, tns, postgres)}
        for run in range(runs + 4):
            tns = data.sample(rng)
            order = ("ours", "floor") if run % 2 else ("floor", "ours")
            answers = {}
            for state, name in zip(("cold", "warm"), order, strict=True):
                started = time.perf_counter()
                answers[name] = methods[name](tns)
                if run >= 4:  # warm-up runs are not counted
                    times.setdefault((name, state), []).append(time.perf_counter() - started)
            assert {tn: p.spid for tn, p in answers["ours"].items()} == {
                r[0]: r[1] for r in answers["floor"] if r[1]}
        conn.rollback()
    medians = {}
    for state in ("cold", "warm"):
        ours, floor = (statistics.median(times[(m, state)]) * 1000 for m in ("ours", "floor"))
        medians[state] = (ours, floor)
        print(f"  {state}: current_providers(500 TNs) median {ours:.2f} ms, "
              f"hand-written single query {floor:.2f} ms, ratio {ours / floor:.2f}x "
              f"({len(times[('ours', state)])} runs each)")
    return medians


def _floor(raw, tns: list[str], postgres: bool) -> list[tuple]:
    cursor = raw.cursor()
    if postgres:
        cursor.execute(FLOOR_SQL.format(tns="unnest(%s::text[])"), (tns,))
    else:
        values = "(VALUES " + ", ".join("(?)" for _ in tns) + ")"
        cursor.execute(FLOOR_SQLITE.format(tns=values), tns)
    rows = cursor.fetchall()
    cursor.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tns", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=51)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/npac_bench"))
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--lookups-only", action="store_true",
                        help="reuse the databases of an earlier run with the same --tns")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = Dataset(args.tns, args.workdir)
    files = {}
    if not args.lookups_only:
        started = time.perf_counter()
        files = data.write()
        print(f"generated {args.tns:,} ported TNs over {len(data.prefixes):,} NPA-NXX codes "
              f"in {time.perf_counter() - started:.1f} s ({files['tns']})")
    if args.only != "postgres":
        path = args.workdir / "npac_bench.db"
        if not args.lookups_only:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = sa.create_engine(f"sqlite:///{path}")
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        print(f"SQLite {path}")
        if not args.lookups_only:
            load(engine, files, args.tns)
        time_lookups(engine, data, args.runs)
        engine.dispose()
    url = os.environ.get("TEST_DATABASE_URL")
    if args.only != "sqlite" and url:
        if not args.lookups_only:
            with sa.create_engine(url).begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
                conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        sep = "&" if "?" in url else "?"
        engine = sa.create_engine(f"{url}{sep}options=-csearch_path%3D{PG_SCHEMA}")
        print(f"PostgreSQL {engine.url.render_as_string(hide_password=True)}")
        if not args.lookups_only:
            load(engine, files, args.tns)
        time_lookups(engine, data, args.runs)
        engine.dispose()
    elif args.only != "sqlite":
        print("PostgreSQL skipped: TEST_DATABASE_URL is not set")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """The gateway's SQLite settings: WAL, synchronous NORMAL, foreign keys on."""
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


if __name__ == "__main__":
    main()
