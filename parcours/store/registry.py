"""The registry tables of ops.sqlite (batches, centres, code mappings) as typed polars frames:
the snapshot the build hands to dbt (typed as the dbt sources expect, ARCHITECTURE « Batch
registry ») and the upload history pages show. One typing for both.
"""

from __future__ import annotations

import sqlite3

import polars as pl

BATCH_SCHEMA = {
    "batch_id": pl.String,
    "seq": pl.Int64,
    "precedence": pl.Int64,
    "centre_id": pl.String,
    "kind": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "received_at": pl.String,
    "received_by": pl.String,
    "rows_read": pl.Int64,
    "rows_stored": pl.Int64,
    "rows_quarantined": pl.Int64,
    "withdrawn_at": pl.String,
    "withdrawn_by": pl.String,
    "replay_of": pl.String,
    "is_complete": pl.Boolean,
}
CENTRE_SCHEMA = {
    "centre_id": pl.String,
    "centre_name": pl.String,
    "federation": pl.String,
    "postal_code": pl.Int32,
    "created_at": pl.String,
}
MAPPING_SCHEMA = {
    "list": pl.String,
    "folded": pl.String,
    "value": pl.String,
    "code": pl.String,
    "added_at": pl.String,
    "added_by": pl.String,
}


def table(conn: sqlite3.Connection, name: str, schema: dict) -> pl.DataFrame:
    """The whole table `name`, with the columns and types of `schema`."""
    columns = ", ".join(schema)
    rows = [tuple(row) for row in conn.execute(f"select {columns} from {name}")]  # noqa: S608
    # SQLite has no boolean: 0/1 integers are read as such, then typed.
    loose = {column: pl.Int64 if dtype == pl.Boolean else dtype for column, dtype in schema.items()}
    return pl.DataFrame(rows, schema=loose, orient="row").cast(schema)
