"""What the dashboard's pages (`app.py`, `pages/*.py`) may import, read from their source.

A page lays out widgets around what the package hands it; it never opens a database. The rule:

- **allowed**: `parcours.dashboard` (page frame, cached loading, the operational store's
  questions in `dashboard.operations`), `parcours.figures` (the figures' specifications),
  `parcours.presentation` (formatting, charts, tables, wording), `parcours.analytics` (the page's
  questions: `f(scope, filters, …) → frame`, until each is a figure's specification), the
  publishing actions a page offers (`publish.periods`, `publish.report`, `publish.templates`,
  `parcours.site` for « Publier le site »), the
  upload flow's service (`upload.service`, `upload.limits`, `upload.scratch`, the `FileReport`
  type), `parcours.contract`, `parcours.core`, the store's pure helpers (`store.datadir`,
  `store.roles`, `store.audit_log`), and of the warehouse its public types and lists
  (`reader.Filters`, `Scope`, `NoWarehouse`, `centres`, `filter_options`, `has_tables`,
  `version`), the build history's role rule and the dbt docs' lineage;
- **never**: `duckdb`, `sqlite3`, `parcours.store.opstore` (or any store module that takes a
  connection), a warehouse cursor or SQL (`reader.cursor`, `query`, `scalar`), the build itself
  (`warehouse.build`, `dbt_runner`), the upload pipeline's internals, the CLI or the demo.

Any other module of the package is refused until this list names it: a new dependency of the
pages is a decision, written here.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]

# Whole packages a page may use.
ALLOWED_PACKAGES = (
    "parcours.dashboard",
    "parcours.figures",
    "parcours.presentation",
    "parcours.analytics",
    "parcours.contract",
    "parcours.core",
    "parcours.site",
)
# Single modules a page may use; with a set, only those names of it.
ALLOWED_MODULES: dict[str, set[str] | None] = {
    "parcours": {"contract"},
    "parcours.publish.periods": None,
    "parcours.publish.report": None,
    "parcours.publish.templates": None,
    "parcours.upload.service": None,
    "parcours.upload.limits": None,
    "parcours.upload.scratch": None,
    "parcours.upload.ingest": {"FileReport"},
    "parcours.store.datadir": None,
    "parcours.store.roles": None,
    "parcours.store.audit_log": None,
    "parcours.warehouse.reader": {
        "Filters",
        "Scope",
        "NoWarehouse",
        "centres",
        "filter_options",
        "has_tables",
        "version",
    },
    "parcours.warehouse.history": {"may_run_builds", "STATUS_FR"},
    "parcours.warehouse.lineage": None,
}
FORBIDDEN_EXTERNAL = ("duckdb", "sqlite3")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _uses(path: Path) -> list[tuple[str, str | None, int]]:
    """(module, name or None for the whole module, line) of every import of a page, and of
    every attribute read on an imported module (`warehouse.cursor` → reader, cursor)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses: list[tuple[str, str | None, int]] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                uses.append((alias.name, None, node.lineno))
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if node.module.startswith("parcours") and _is_module(full):
                    uses.append((full, None, node.lineno))
                    aliases[alias.asname or alias.name] = full
                else:
                    uses.append((node.module, alias.name, node.lineno))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            uses.append((aliases[node.value.id], node.attr, node.lineno))
    return uses


def refusals(path: Path) -> list[str]:
    """Why each import of a page breaks the rule (empty: the page keeps it)."""
    found = []
    for module, name, line in _uses(path):
        where = f"{path.name}:{line}"
        root = module.split(".")[0]
        if root in FORBIDDEN_EXTERNAL:
            found.append(f"{where} {module}: a page never opens a database")
            continue
        if root != "parcours":
            continue
        if any(module == p or module.startswith(p + ".") for p in ALLOWED_PACKAGES):
            continue
        if module not in ALLOWED_MODULES:
            found.append(f"{where} {module}: not a module pages may import")
            continue
        names = ALLOWED_MODULES[module]
        if name is not None and names is not None and name not in names:
            if module == "parcours" and any(name == p.split(".")[1] for p in ALLOWED_PACKAGES):
                continue
            found.append(f"{where} {module}.{name}: not among {sorted(names)}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_imports_only_what_pages_may(page):
    assert refusals(page) == []


# --- the rule itself, on pages written to break it --------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import duckdb\n",
        "import sqlite3 as db\n",
        "from parcours.store import opstore\n",
        "import parcours.store.opstore\n",
        "from parcours.store.opstore import connected\n",
        "from parcours.store import registry\n",
        "from parcours.warehouse import build\n",
        "from parcours.warehouse import reader as warehouse\nwarehouse.cursor()\n",
        "from parcours.warehouse.reader import query\n",
        "from parcours.upload import ingest\ningest.ingest_files()\n",
        "from parcours.cli import commands\n",
    ],
)
def test_the_rule_refuses_a_page_that_reads_a_store_itself(tmp_path, source):
    page = tmp_path / "page.py"
    page.write_text(source, encoding="utf-8")
    assert refusals(page), source


def test_the_rule_keeps_a_page_that_goes_through_the_package(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "from parcours import contract\n"
        "from parcours.dashboard import operations, ui\n"
        "from parcours.presentation import formatting as fmt\n"
        "from parcours.warehouse import reader as warehouse\n"
        "from parcours.warehouse.reader import Filters\n"
        "warehouse.filter_options(None)\n"
        "operations.centre_names()\n",
        encoding="utf-8",
    )
    assert refusals(page) == []
