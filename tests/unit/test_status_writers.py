"""One owner of an order's lifecycle: no module under gateway/ but
gateway/services/orders/transitions.py assigns an order's status.

The AST walk is the project's `status-writers` checker, copied here so that the test needs no
path outside the repository: `lsr.status = …`, `order.status = …`, tuple and list targets,
augmented and annotated assignments, and `setattr(lsr, "status", …)`, where an 'order' is any
name or attribute chain whose last part mentions lsr or order.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER = "gateway/services/orders/transitions.py"


def _mentions_order(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        name = node.attr
        node = node.value
        if "lsr" in name.lower() or "order" in name.lower():
            return True
    return isinstance(node, ast.Name) and ("lsr" in node.id.lower()
                                           or "order" in node.id.lower())


def status_writes(tree: ast.AST) -> Iterator[int]:
    """The line of every assignment of an order's status in the tree."""
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for sub in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                if isinstance(sub, ast.Attribute) and sub.attr == "status" \
                        and _mentions_order(sub.value):
                    yield node.lineno
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "setattr" and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"
                and _mentions_order(node.args[0])):
            yield node.lineno


def status_writers(root: Path) -> dict[str, list[int]]:
    """Modules under root/gateway (tests and migrations aside) that assign an order's status."""
    found: dict[str, list[int]] = {}
    for path in sorted((root / "gateway").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        lines = list(status_writes(tree))
        if lines:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_only_transitions_assigns_an_orders_status():
    writers = status_writers(ROOT)
    assert list(writers) == [OWNER], writers


def test_the_owner_really_writes_the_status():
    """The walk finds the writes it is meant to find (else the test above proves nothing)."""
    assert len(status_writers(ROOT)[OWNER]) >= 5


@pytest.mark.parametrize("source", [
    "lsr.status = 'foc'",
    "self.order.status = 'foc'",
    "order.status, order.closed_at = 'canceled', now",
    "[lsr.status, x] = ['foc', 1]",
    "lsr.status += ''",
    "order.status: str = 'foc'",
    "setattr(lsr, 'status', 'foc')",
    "row.lsr.status = 'foc'",
])
def test_the_walk_catches_every_form_of_status_write(source):
    assert list(status_writes(ast.parse(source))) == [1]


@pytest.mark.parametrize("source", [
    "req.status = 'returned'",  # a CSR request, not an order
    "sv.status = 'active'",
    "x = lsr.status",
    "setattr(lsr, 'state', 'OR')",
    "lsr.statuses = []",
])
def test_the_walk_ignores_what_is_not_an_order_status_write(source):
    assert list(status_writes(ast.parse(source))) == []


def test_a_module_elsewhere_that_writes_a_status_is_reported(tmp_path):
    for name, text in {"gateway/services/orders/transitions.py": "lsr.status = 'foc'\n",
                       "gateway/staff/rogue.py": "def f(order):\n    order.status = 'x'\n",
                       "gateway/migrations/versions/m.py": "lsr.status = 'foc'\n",
                       "gateway/ok.py": "lsr.ver = '2'\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert status_writers(tmp_path) == {"gateway/services/orders/transitions.py": [1],
                                        "gateway/staff/rogue.py": [2]}
