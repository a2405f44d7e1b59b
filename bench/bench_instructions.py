"""Instructions per 1-TN LSR → FOC in process, counted by valgrind's callgrind (issue 17).

    python bench/bench_instructions.py [--n 100] [--runs 2]

Wall and CPU times on a shared 2-core VM drift by ±30 % from one minute to the next, so a
change worth 5 % cannot be seen in them; the number of instructions the interpreter executes
for the same requests varies by ~2 %. Each run starts this script again under callgrind with
collection off (`--instr-atstart=no`), builds the bench world (bench_batches._world: the
example NPAC data, one-TN accounts, a partner and its token) on a fresh SQLite file, sends 20
warm-up LSRs, switches collection on (`callgrind_control -i on`), sends N more and switches it
off, then prints the instructions counted divided by N. Needs valgrind (Debian package
`valgrind`); about 20 s per run of 100 LSRs. What is counted is this process only: SQLite's
C code and the interpreter's, not the kernel's.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARMUP = 20


def child(n: int) -> None:
    """The measured process: the world, warm-up, then N LSRs with collection on."""
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from bench_batches import _world, bench_app, submit_foc

    workdir = Path(tempfile.mkdtemp(prefix="portgate-instr-"))
    app = bench_app(f"sqlite:///{workdir / 'instr.db'}")
    token, pairs = _world(app, workdir, (n + WARMUP) // 2 + 1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    control = ["callgrind_control", "-i"]
    for i, (an, tn) in enumerate(pairs[:n + WARMUP]):
        if i == WARMUP:
            subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
        submit_foc(client, headers, f"S{i}", an, tn)
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)
    shutil.rmtree(workdir, ignore_errors=True)


def measure(n: int) -> float:
    """Instructions per LSR of one run under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}", sys.executable, __file__,
             "--child", str(n)], capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if not shutil.which("valgrind"):
        print("instructions per LSR SKIPPED: valgrind is not installed (apt-get install -y "
              "valgrind)")
        return
    counts = [measure(args.n) for _ in range(args.runs)]
    print(f"1-TN LSR -> FOC in process (SQLite, {args.n} after {WARMUP} warm-up): "
          + ", ".join(f"{c / 1e6:.2f} M" for c in counts) + " instructions per LSR")


if __name__ == "__main__":
    main()
