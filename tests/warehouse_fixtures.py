"""Write landing batches the way `parcours ingest` does (docs/ARCHITECTURE.md "Landing parquet",
"Batch registry"), without going through ingestion: a landing parquet file per batch plus its row
in the ops.sqlite `batches` table. Warehouse tests use it to state small cases exactly."""

from __future__ import annotations

import csv
import hashlib
import itertools
import sqlite3
from datetime import date
from pathlib import Path

import polars as pl

from parcours.contract import KINDS
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.upload.validation import landing_schema

# The landing schema comes from the one place that defines it (parcours.upload.validation).
TYPED = {
    kind: {
        name: dtype
        for name, dtype in landing_schema(kind).items()
        if name not in ("centre_id", "row_number", "extra")
    }
    for kind in KINDS
}
DATE_COLUMNS = {"entry_date", "assessed_on", "started_on", "ended_on", "achieved_on"}
DATE_COLUMNS |= {"exit_date", "observed_on", "month"}
EXAMPLES = Path(__file__).parent / "fixtures" / "examples" / "canonical"

_seq = itertools.count(1)


def schema(kind: str) -> dict:
    return landing_schema(kind, with_batch_id=True)


def write_schema_files(data_dir: DataDir) -> None:
    """The zero-row `_schema.parquet` of each kind, as ingestion writes them."""
    for kind in KINDS:
        folder = data_dir.landing_kind(kind)
        folder.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(schema=schema(kind)).write_parquet(folder / "_schema.parquet")


def add_centre(
    data_dir: DataDir, centre_id: str, name: str, federation: str, postal_code: int | None
) -> None:
    conn = opstore.connect(data_dir.ops_db)
    conn.execute(
        "insert into centres values (?, ?, ?, ?, ?)",
        (centre_id, name, federation, postal_code, opstore.now_iso()),
    )
    conn.close()


def _next_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("select coalesce(max(seq), 0) + 1 from batches").fetchone()[0]


def add_batch(
    data_dir: DataDir,
    centre_id: str,
    kind: str,
    rows: list[dict],
    *,
    replay_of: str | None = None,
) -> str:
    """Store `rows` (canonical column -> value; dates as ISO text or date) as one batch and
    return its batch_id. Rows are numbered from 1 in the given order."""
    conn = opstore.connect(data_dir.ops_db)
    seq = _next_seq(conn)
    batch_id = f"b20261127T0400{seq:02d}-{next(_seq):06x}"
    records = []
    for number, row in enumerate(rows, start=1):
        record = {"batch_id": batch_id, "centre_id": centre_id, "row_number": number}
        for column in TYPED[kind]:
            value = row.get(column)
            if column in DATE_COLUMNS and isinstance(value, str) and value:
                value = date.fromisoformat(value + "-01" if len(value) == 7 else value)
            elif value == "":
                value = None
            record[column] = value
        record["extra"] = None
        records.append(record)
    frame = pl.DataFrame(records, schema=schema(kind), orient="row")
    folder = data_dir.landing_kind(kind)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{batch_id}.tmp"
    frame.write_parquet(tmp)
    tmp.rename(folder / f"{batch_id}.parquet")
    conn.close()
    register_batch(data_dir, centre_id, kind, batch_id, len(rows), replay_of=replay_of)
    return batch_id


def register_batch(
    data_dir: DataDir,
    centre_id: str,
    kind: str,
    batch_id: str,
    rows: int,
    *,
    replay_of: str | None = None,
) -> None:
    """The batch's row in the registry, committed after its landing file is in place."""
    conn = opstore.connect(data_dir.ops_db)
    seq = _next_seq(conn)
    precedence = seq
    if replay_of:
        precedence = conn.execute(
            "select precedence from batches where batch_id = ?", (replay_of,)
        ).fetchone()[0]
    with opstore.transaction(conn):
        conn.execute(
            "insert into batches (batch_id, seq, precedence, centre_id, kind, file_name, sha256, "
            "received_at, received_by, rows_read, rows_stored, rows_quarantined, withdrawn_at, "
            "withdrawn_by, replay_of) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                batch_id,
                seq,
                precedence,
                centre_id,
                kind,
                f"{kind}.csv",
                hashlib.sha256(batch_id.encode()).hexdigest(),
                opstore.now_iso(),
                "tests",
                rows,
                rows,
                0,
                None,
                None,
                replay_of,
            ),
        )
    conn.close()


def withdraw(data_dir: DataDir, batch_id: str) -> None:
    conn = opstore.connect(data_dir.ops_db)
    with opstore.transaction(conn):
        conn.execute(
            "update batches set withdrawn_at = ?, withdrawn_by = 'tests' "
            "where batch_id = ? or replay_of = ?",
            (opstore.now_iso(), batch_id, batch_id),
        )
    conn.close()


def read_example(kind: str) -> list[dict]:
    with open(EXAMPLES / f"{kind}.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column, value in row.items():
            if value == "":
                row[column] = None
            elif column in {"birth_year", "postal_code", "level"}:
                row[column] = int(value)
            elif column == "hours":
                row[column] = float(value)
    return rows


def load_worked_example(data_dir: DataDir, centre_id: str = "C001") -> dict[str, str]:
    """The shared worked example (examples/canonical), as one batch per kind."""
    return {kind: add_batch(data_dir, centre_id, kind, read_example(kind)) for kind in KINDS}


# --- the session's fixture warehouse ----------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def run_cli(data_root: Path, *args: str, timeout: int = 600):
    """`python -m parcours ...` in its own process, on the given data folder (as whoever the
    environment names)."""
    from tests.build_helpers import cli

    return cli(data_root, *args, user=None, timeout=timeout)


def data_dir_at(root: Path) -> DataDir:
    data_dir = DataDir(root.resolve())
    data_dir.root.mkdir(parents=True, exist_ok=True)
    return data_dir


def load_scenario(data_dir: DataDir) -> dict[str, str]:
    """Small cases stated by hand, beside the worked example (centre C001):

    C002 (1348 → Brabant wallon, AID) — latest wins and withdrawal:
      P1 declared twice, the second upload (filière defi, postal 6600) wins; two exits, the
      latest (2025-03-31, employment_art60) is positive, the first (job_search) is not; follow-ups
      at 3 months of each exit; hours 2024-01 uploaded 10 then 20 (20 wins) then 99 in a batch
      later withdrawn (20 comes back).
      P2 declared (postal 1000, Bruxelles) then re-declared at 5000 in a withdrawn batch; barrier
      mobility 3 on 2024-02-01, 0 on 2024-03-01, then the 2024-03-01 assessment re-uploaded at 2:
      never lifted. A follow-up without any exit.
      P3 (postal 9000 → Flandre orientale): exit before entry, a milestone before entry.
      P9 never declared, only a milestone.
    C003 (no postal code, CAIPS): nothing uploaded.
    """
    ids: dict[str, str] = {}
    add_centre(data_dir, "C002", "CISP Deux", "AID", 1348)
    add_centre(data_dir, "C003", "CISP Trois", "CAIPS", None)
    person = {"birth_year": 1990, "gender": "F", "education": "cess", "referral": "forem"}
    ids["participants_1"] = add_batch(
        data_dir,
        "C002",
        "participants",
        [
            {
                "participant_id": "P1",
                "entry_date": "2024-01-10",
                "filiere": "eft",
                "postal_code": 4000,
                **person,
            },
            {
                "participant_id": "P2",
                "entry_date": "2024-02-01",
                "filiere": "eft",
                "postal_code": 1000,
                **person,
            },
            {
                "participant_id": "P3",
                "entry_date": "2024-05-01",
                "filiere": "orientation",
                "postal_code": 9000,
                **person,
            },
        ],
    )
    ids["participants_2"] = add_batch(
        data_dir,
        "C002",
        "participants",
        [
            {
                "participant_id": "P1",
                "entry_date": "2024-01-10",
                "filiere": "defi",
                "postal_code": 6600,
                **person,
            }
        ],
    )
    ids["participants_withdrawn"] = add_batch(
        data_dir,
        "C002",
        "participants",
        [
            {
                "participant_id": "P2",
                "entry_date": "2024-02-01",
                "filiere": "eft",
                "postal_code": 5000,
                **person,
            }
        ],
    )
    ids["exits"] = add_batch(
        data_dir,
        "C002",
        "exits",
        [
            {
                "participant_id": "P1",
                "exit_date": "2024-06-30",
                "destination": "job_search",
                "reason": "dropout",
            },
            {
                "participant_id": "P1",
                "exit_date": "2025-03-31",
                "destination": "employment_art60",
                "reason": "job",
            },
            {
                "participant_id": "P3",
                "exit_date": "2024-04-15",
                "destination": "inactive",
                "reason": "health",
            },
        ],
    )
    ids["followups"] = add_batch(
        data_dir,
        "C002",
        "followups",
        [
            {"participant_id": "P1", "observed_on": "2024-09-30", "situation": "job_search"},
            {
                "participant_id": "P1",
                "observed_on": "2025-06-30",
                "situation": "employment_permanent",
            },
            {"participant_id": "P2", "observed_on": "2025-01-15", "situation": "unknown"},
        ],
    )
    hours = {"participant_id": "P1", "month": "2024-01"}
    ids["hours_1"] = add_batch(data_dir, "C002", "hours", [{**hours, "hours": 10.0}])
    ids["hours_2"] = add_batch(data_dir, "C002", "hours", [{**hours, "hours": 20.0}])
    ids["hours_withdrawn"] = add_batch(data_dir, "C002", "hours", [{**hours, "hours": 99.0}])
    mobility = {"participant_id": "P2", "barrier": "mobility"}
    ids["barriers_1"] = add_batch(
        data_dir,
        "C002",
        "barriers",
        [
            {**mobility, "assessed_on": "2024-02-01", "level": 3},
            {**mobility, "assessed_on": "2024-03-01", "level": 0},
        ],
    )
    ids["barriers_2"] = add_batch(
        data_dir, "C002", "barriers", [{**mobility, "assessed_on": "2024-03-01", "level": 2}]
    )
    ids["milestones"] = add_batch(
        data_dir,
        "C002",
        "milestones",
        [
            {"participant_id": "P3", "achieved_on": "2024-03-01", "milestone": "ceb"},
            {"participant_id": "P9", "achieved_on": "2024-03-01", "milestone": "other"},
        ],
    )
    withdraw(data_dir, ids["participants_withdrawn"])
    withdraw(data_dir, ids["hours_withdrawn"])
    return ids


def prepare_fixture_data(root: Path) -> tuple[DataDir, dict[str, str]]:
    data_dir = data_dir_at(root)
    write_schema_files(data_dir)
    add_centre(data_dir, "C001", "CISP Exemple", "ACFI", 4020)
    ids = {f"example_{k}": v for k, v in load_worked_example(data_dir).items()}
    ids.update(load_scenario(data_dir))
    return data_dir, ids


_BUILT: dict = {}


def _make_fixture_folder(root: Path) -> None:
    import json

    _, ids = prepare_fixture_data(root)
    completed = run_cli(root, "build", "--json")
    record = {"args": completed.args, "returncode": completed.returncode, "ids": ids}
    record |= {"stdout": completed.stdout, "stderr": completed.stderr}
    (root.parent / "build.json").write_text(json.dumps(record), encoding="utf-8")


FIXTURE_INPUTS = [Path(__file__), EXAMPLES]


def copy_of_fixture_folder(dest: Path, *, keep_parse: bool = False) -> Path:
    """A fresh copy at `dest` of the fixture's data folder as its build left it (docs, dbt's
    unit tests passed; `keep_parse`: dbt's parse cache of the folder it was built in too)."""
    from tests import warehouse_cache

    # This build is the one whose dbt unit tests test_cli_build checks: it always runs them.
    return warehouse_cache.copy_of(
        "worked-example",
        FIXTURE_INPUTS,
        _make_fixture_folder,
        dest,
        unit_tests=True,
        keep_parse=keep_parse,
    )


def fixture_warehouse(tmp_path_factory) -> dict:
    """The fixture warehouse, built through the CLI (with --json) once per run for all xdist
    workers (`warehouse_cache`) and copied into this session's folder; `completed` is that
    build's CLI outcome."""
    if not _BUILT:
        import json
        import subprocess

        from tests import warehouse_cache

        root = copy_of_fixture_folder(tmp_path_factory.mktemp("warehouse_data") / "data")
        cached = warehouse_cache.built_folder(
            "worked-example", FIXTURE_INPUTS, _make_fixture_folder, unit_tests=True
        )
        data_dir = data_dir_at(root)
        record = json.loads((cached / "build.json").read_text(encoding="utf-8"))
        ids = record["ids"]
        completed = subprocess.CompletedProcess(
            record["args"], record["returncode"], record["stdout"], record["stderr"]
        )
        summary = json.loads(completed.stdout) if completed.stdout.strip() else None
        _BUILT.update(data_dir=data_dir, ids=ids, completed=completed, summary=summary, root=root)
        # The build ran in the cache's folder, which this session's folder is a copy of.
        _BUILT["built_in"] = DataDir((cached / "data").resolve())
    return _BUILT
