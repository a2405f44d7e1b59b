"""Generate NPAC data files for the benchmark: every SPID, code and block of the demo plan
(Cascade Telecom and its neighbours, gateway.demo.plan) and N ported TNs.

    .venv/bin/python bench/gen_npac.py --tns 10000000 --out /tmp/portgate-bench

Ported TNs use only lines seed-demo leaves alone (x100-x999 of other carriers' blocks,
x900-x999 of Cascade's), so the files load into a seed-demo database without contradicting
its accounts. Deterministic: a stride permutation over the plan's line space.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.demo.plan import ACCOUNT_LINES, RESERVED_LINES, build_plan  # noqa: E402
from npac.importers import BLOCK_COLUMNS, CODE_COLUMNS, SPID_COLUMNS  # noqa: E402


def _eligible(plan) -> list[tuple[str, int]]:
    """(block, first line the benchmark may port) for every block of the plan."""
    blocks = []
    for code in plan.codes:
        for x in range(10):
            block = f"{code.npa_nxx}{x}"
            blocks.append((block, ACCOUNT_LINES if block in plan.cascade_set else RESERVED_LINES))
    return blocks


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def write_files(n_tns: int, out: Path) -> dict:
    """Write spids/codes/blocks/tns CSVs; return the paths and 5,000 sample ported TNs."""
    plan = build_plan()
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / f"npac_{k}.csv" for k in ("spids", "codes", "blocks", "tns")}
    for kind, header, rows in (("spids", SPID_COLUMNS, plan.spids),
                               ("codes", CODE_COLUMNS,
                                [(c.npa_nxx, c.spid, c.lrn) for c in plan.codes]),
                               ("blocks", BLOCK_COLUMNS, plan.blocks)):
        with paths[kind].open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    blocks = _eligible(plan)
    space = len(blocks) * 1000
    capacity = sum(1000 - lo for _, lo in blocks)
    if n_tns > capacity * 0.9:
        raise SystemExit(f"--tns {n_tns:,}: the plan has room for about {capacity * 0.9:,.0f}")
    step = 7_919_393
    while _gcd(step, space) != 1:
        step += 2
    winners = [s for s, _, _ in plan.spids if not s.startswith("CT")]
    every = max(1, n_tns // 5000)  # 5,000 known ported TNs to draw lookups from
    samples, lines, made, slot = [], [], 0, 0
    with paths["tns"].open("w") as handle:
        handle.write("tn,spid,lrn\n")
        while made < n_tns:
            slot = (slot + step) % space
            block, lo = blocks[slot // 1000]
            line = slot % 1000
            if line < lo:
                continue
            spid = winners[made % len(winners)]
            lines.append(f"{block}{line:03d},{spid},{block[:3]}{200 + made % 23:03d}0000\n")
            if made % every == 0:
                samples.append(f"{block}{line:03d}")
            made += 1
            if len(lines) == 100_000:
                handle.writelines(lines)
                lines.clear()
        handle.writelines(lines)
    return {"paths": paths, "samples": samples, "codes": [c.npa_nxx for c in plan.codes]}


class Sampler:
    """500 TNs per draw: half ported (from the file), half any line of a plan code."""

    def __init__(self, samples: list[str], codes: list[str]) -> None:
        self.samples, self.codes = samples, codes

    def sample(self, rng: random.Random, size: int = 500) -> list[str]:
        ported = rng.sample(self.samples, min(size // 2, len(self.samples)))
        anyline = [f"{rng.choice(self.codes)}{rng.randrange(10_000):04d}"
                   for _ in range(size - len(ported))]
        return list(dict.fromkeys(ported + anyline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tns", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/portgate-bench"))
    args = parser.parse_args()
    started = time.perf_counter()
    write_files(args.tns, args.out)
    print(f"wrote {args.tns:,} ported TNs and the plan's codes/blocks to {args.out} in "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
