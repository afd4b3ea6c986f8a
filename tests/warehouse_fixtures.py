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

from parcours import opstore
from parcours.settings import KINDS, DataDir

HEAD = {"batch_id": pl.String, "centre_id": pl.String, "row_number": pl.Int32}
TYPED = {
    "participants": {
        "participant_id": pl.String,
        "entry_date": pl.Date,
        "birth_year": pl.Int16,
        "gender": pl.String,
        "education": pl.String,
        "postal_code": pl.Int16,
        "filiere": pl.String,
        "training_area": pl.String,
        "referral": pl.String,
        "status_at_entry": pl.String,
        "person_key": pl.String,
    },
    "barriers": {
        "participant_id": pl.String,
        "assessed_on": pl.Date,
        "barrier": pl.String,
        "level": pl.Int8,
    },
    "partnerships": {
        "participant_id": pl.String,
        "started_on": pl.Date,
        "partner_type": pl.String,
        "partner_name": pl.String,
        "purpose": pl.String,
        "ended_on": pl.Date,
        "result": pl.String,
    },
    "milestones": {
        "participant_id": pl.String,
        "achieved_on": pl.Date,
        "milestone": pl.String,
        "detail": pl.String,
    },
    "exits": {
        "participant_id": pl.String,
        "exit_date": pl.Date,
        "destination": pl.String,
        "reason": pl.String,
    },
    "followups": {"participant_id": pl.String, "observed_on": pl.Date, "situation": pl.String},
    "hours": {"participant_id": pl.String, "month": pl.Date, "hours": pl.Float64},
}
DATE_COLUMNS = {"entry_date", "assessed_on", "started_on", "ended_on", "achieved_on"}
DATE_COLUMNS |= {"exit_date", "observed_on", "month"}
EXAMPLES = Path("/work/shared/contract/examples/canonical")

_seq = itertools.count(1)


def schema(kind: str) -> dict:
    return {**HEAD, **TYPED[kind], "extra": pl.String}


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
    precedence = seq
    if replay_of:
        precedence = conn.execute(
            "select precedence from batches where batch_id = ?", (replay_of,)
        ).fetchone()[0]
    with opstore.transaction(conn):
        conn.execute(
            "insert into batches values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                len(rows),
                len(rows),
                0,
                None,
                None,
                replay_of,
            ),
        )
    conn.close()
    return batch_id


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
