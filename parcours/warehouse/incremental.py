"""When a build may take the fast path, and for which centres (issue 17, item 2).

A fast (incremental) build starts from a copy of the served warehouse and recomputes the
per-centre models for the changed centres only (`transform/macros/changed_centres.sql`). It is
only correct when the served warehouse is exactly what a from-scratch build of the registry
*as it was then* produced, by the same dbt project. So every successful build records, beside
the served file, what it was built from (`build/served/`): the registry snapshot it read, the
project's fingerprint, and the served file's identity (inode, size, modification time). A later
build compares:

- the project fingerprint (dbt project and code lists): any change → from scratch;
- the served file: replaced by anything else than the recorded build → from scratch;
- the registry: every centre with a batch added, withdrawn or otherwise changed, or whose own
  row changed (name, federation, postal code), is a changed centre — whatever the build
  requests said, so a change stored without a request (a CLI ingest) is never left behind.

The centres the build requests name are added to that set. A request that names no centre (an
administrator's rebuild, `parcours build`) asks for a from-scratch build, as does a change
touching more than a third of the centres (the fast path would save little).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from parcours.core.files import write_atomically
from parcours.store import opstore
from parcours.store.datadir import DataDir

# A fast build for more centres than this share of the sector is not worth it.
MAX_SHARE = 1 / 3
SNAPSHOTS = ("batches", "centres")


@dataclass(frozen=True)
class Plan:
    centres: list[str] | None  # None: from scratch
    reason: str  # why from scratch (French, for the build's summary), or what changed


def served_dir(data_dir: DataDir) -> Path:
    return data_dir.root / "build" / "served"


def _identity(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def record_served(data_dir: DataDir, fingerprint: str, build_id: str) -> None:
    """After a successful swap: what the served warehouse was built from."""
    folder = served_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name in SNAPSHOTS:
        source = data_dir.registry / f"{name}.parquet"
        write_atomically(folder / f"{name}.parquet", lambda tmp, s=source: shutil.copyfile(s, tmp))
    state = {
        "build_id": build_id,
        "fingerprint": fingerprint,
        "warehouse": _identity(data_dir.warehouse),
    }
    text = json.dumps(state)
    write_atomically(folder / "state.json", lambda tmp: Path(tmp).write_text(text, "utf-8"))


def forget_served(data_dir: DataDir) -> None:
    """Before any build changes the served file: a crash between the swap and the record must
    not leave a record that describes the previous file (the identity check would catch it,
    but the registry snapshot would be wrong)."""
    (served_dir(data_dir) / "state.json").unlink(missing_ok=True)


def requested_centres(data_dir: DataDir, build_id: str) -> list[str | None]:
    """The centres named by the build requests this build took (None for a request naming no
    centre); empty when the build was asked for outside the request queue."""
    try:
        with opstore.connected(data_dir.ops_db) as conn:
            rows = conn.execute(
                "select centre_id from build_requests where build_id = ?", (build_id,)
            ).fetchall()
    except sqlite3.OperationalError:  # no request table yet: a direct build
        return []
    return [row[0] for row in rows]


def _changed_in_registry(old: pl.DataFrame, new: pl.DataFrame) -> set[str]:
    """Centres of the rows that are in one snapshot and not the other (every column)."""
    if old.columns != new.columns or old.dtypes != new.dtypes:
        raise ValueError("registry columns changed")
    gone = old.join(new, on=old.columns, how="anti", nulls_equal=True)
    added = new.join(old, on=new.columns, how="anti", nulls_equal=True)
    return set(gone["centre_id"].to_list()) | set(added["centre_id"].to_list())


def plan(data_dir: DataDir, build_id: str, fingerprint: str, docs_wanted: bool) -> Plan:
    """Whether this build may be incremental, and for which centres. Called after the registry
    snapshot of this build was written."""
    requested = requested_centres(data_dir, build_id)
    if not requested or any(centre is None for centre in requested):
        return Plan(None, "demande de reconstruction complète")
    if docs_wanted:
        return Plan(None, "documentation à régénérer")
    folder = served_dir(data_dir)
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Plan(None, "aucun entrepôt servi décrit")
    if state.get("fingerprint") != fingerprint:
        return Plan(None, "projet dbt modifié")
    try:
        if state.get("warehouse") != _identity(data_dir.warehouse):
            return Plan(None, "l'entrepôt servi n'est pas celui de la dernière construction")
    except OSError:
        return Plan(None, "aucun entrepôt servi")
    changed = {centre for centre in requested if centre}
    try:
        for name in SNAPSHOTS:
            old = pl.read_parquet(folder / f"{name}.parquet")
            new = pl.read_parquet(data_dir.registry / f"{name}.parquet")
            changed |= _changed_in_registry(old, new)
        centres = pl.read_parquet(data_dir.registry / "centres.parquet").height
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return Plan(None, "registre illisible")
    if len(changed) > max(1, centres * MAX_SHARE):
        return Plan(None, f"{len(changed)} centres modifiés sur {centres}")
    return Plan(sorted(changed), ", ".join(sorted(changed)))


def copy_served(data_dir: DataDir, work: Path) -> None:
    """The starting point of a fast build: a copy of the served file (the filesystem may share
    its blocks: `copy_file_range`). The served file is settled (no WAL) before each swap."""
    work.parent.mkdir(parents=True, exist_ok=True)
    work.unlink(missing_ok=True)
    shutil.copyfile(data_dir.warehouse, work)
    os.chmod(work, 0o644)


def data_end(path: Path) -> tuple | None:
    """The data's last day and month (intermediate.int_data_end) of a warehouse file."""
    import duckdb

    # An instance of its own with the file attached read-only, as the pages read it: never
    # the instance DuckDB keeps per path for another connection of this process.
    with duckdb.connect(":memory:") as conn:
        conn.execute("attach ? as wh (read_only)", [str(path)])
        row = conn.execute("select * from wh.intermediate.int_data_end").fetchone()
    return tuple(row) if row else None
