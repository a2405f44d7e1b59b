"""The simulator stands alone: npac never imports the gateway or Flask."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

NPAC = Path(__file__).resolve().parents[2] / "npac"


def test_npac_sources_import_neither_gateway_nor_flask():
    imported = set()
    for path in NPAC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert not imported & {"gateway", "flask", "forms", "validators"}


def test_importing_npac_loads_neither_gateway_nor_flask():
    code = ("import sys, npac.simulator, npac.importers, npac.bulk, npac.interface; "
            "print(sorted(m for m in ('gateway', 'flask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=NPAC.parent, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
