"""The analytics read the warehouse one way: `parcours.warehouse.reader.query` (bound
parameters, the served file or a closed year's copy, reopened when the build swaps it), never a
connection of their own; the operational store through `parcours.store` functions.

Still reading through a cursor they open: `quality` (its per-centre coverage and checks) and
`home.coverage`, which calls it — the coverage rule is moving into dbt (issue 14, item 3), and
with it these reads. The list below may only shrink."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "parcours" / "analytics").glob("*.py"))
PENDING = {"quality.py": {"duckdb", "sqlite3", "cursor"}, "home.py": {"cursor"}}


def other_ways(path: Path) -> set[str]:
    """The ways a module reads data other than `reader.query`: a database module imported, or a
    cursor asked of the reader."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in ("duckdb", "sqlite3")}
        elif isinstance(node, ast.ImportFrom) and node.module in ("duckdb", "sqlite3"):
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module == "parcours.warehouse.reader":
            found |= {a.name for a in node.names if a.name in ("cursor", "_open")}
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("cursor", "connect")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("warehouse", "reader")
        ):
            found.add("cursor")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_an_analytics_module_reads_through_the_reader(path):
    assert other_ways(path) <= PENDING.get(path.name, set())


def test_the_check_sees_a_connection(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import duckdb\nfrom parcours.warehouse import reader as warehouse\nwarehouse.cursor()\n"
    )
    assert other_ways(module) == {"duckdb", "cursor"}
