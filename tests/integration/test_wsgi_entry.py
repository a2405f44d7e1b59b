"""app.py, what gunicorn and `flask --app app` load: the app it serves, with the objects of its
start-up frozen for the cyclic garbage collector (they would be walked again by every full
collection: a ~95 ms stall every few hundred requests), and the collector's first threshold
raised (a request frees what it makes by reference counting)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.platform.warm import GEN0_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]


def test_the_served_app_leaves_its_start_up_objects_out_of_garbage_collection(tmp_path):
    probe = ("import gc, app; "
             "print(app.app.name, gc.get_freeze_count(), len(gc.get_objects()), "
             "gc.get_threshold()[0])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True,
                         env={"DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}",
                              "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    name, frozen, tracked, gen0 = out.stdout.split()
    assert name == "gateway"
    assert int(frozen) > 50_000  # the modules, mappers and compiled statements of start-up
    assert int(tracked) < int(frozen) // 10  # what the collector still walks
    assert int(gen0) == GEN0_THRESHOLD > 700  # CPython's default is 700
