"""The registry tables of ops.sqlite (batches, centres, code mappings) as typed polars frames:
the snapshot the build hands to dbt (typed as the dbt sources expect, ARCHITECTURE « Batch
registry ») and the upload history pages show. One typing for both. Also what the Qualité page
reads from the registry: the last upload of each kind, the quarantine still waiting.
"""

from __future__ import annotations

import json
import sqlite3

import polars as pl

from parcours.contract import KINDS

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


def _in_list(column: str, centre_ids: list[str] | None) -> tuple[str, list]:
    """A bound-parameter filter on `column` (no SQL built from values); `None` = every centre."""
    if centre_ids is None:
        return "1 = 1", []
    if not centre_ids:
        return "1 = 0", []
    return f"{column} in ({', '.join('?' for _ in centre_ids)})", list(centre_ids)


def _ops(conn: sqlite3.Connection, sql: str, params: list, schema: dict) -> pl.DataFrame:
    rows = [tuple(r) for r in conn.execute(sql, params).fetchall()]
    return pl.DataFrame(rows, schema=schema, orient="row")


def last_uploads(conn: sqlite3.Connection, centre_ids: list[str] | None) -> pl.DataFrame:
    """One row per (registered centre, kind): the latest active batch, or nulls if none."""
    where, params = _in_list("c.centre_id", centre_ids)
    kinds = " union all ".join("select ? as kind" for _ in KINDS)
    return _ops(
        conn,
        f"""
        with active as (
            select *, row_number() over (
                partition by centre_id, kind order by received_at desc, seq desc) as rank
            from batches where withdrawn_at is null
        ), totals as (
            select centre_id, kind, count(*) as batches, sum(rows_stored) as rows_stored
            from batches where withdrawn_at is null group by centre_id, kind
        )
        select c.centre_id, k.kind, a.received_at, a.file_name,
               coalesce(t.batches, 0), coalesce(t.rows_stored, 0)
        from centres c cross join ({kinds}) k
        left join active a on a.centre_id = c.centre_id and a.kind = k.kind and a.rank = 1
        left join totals t on t.centre_id = c.centre_id and t.kind = k.kind
        where {where}
        order by c.centre_id, k.kind
        """,
        [*KINDS, *params],
        {
            "centre_id": pl.String,
            "kind": pl.String,
            "last_received_at": pl.String,
            "file_name": pl.String,
            "batches": pl.Int64,
            "rows_stored": pl.Int64,
        },
    )


def waiting_by_kind(conn: sqlite3.Connection, centre_ids: list[str] | None) -> pl.DataFrame:
    """Quarantined rows still waiting, per centre and kind, with the oldest upload they come
    from and the most frequent first message."""
    where, params = _in_list("q.centre_id", centre_ids)
    rows = conn.execute(
        f"""
        select q.centre_id, q.kind, b.received_at, q.errors
        from quarantine q join batches b on b.batch_id = q.batch_id
        where q.resolved_by is null and b.withdrawn_at is null and {where}
        """,
        params,
    ).fetchall()
    schema = {
        "centre_id": pl.String,
        "kind": pl.String,
        "received_at": pl.String,
        "message": pl.String,
    }
    records = []
    for centre_id, kind, received_at, errors in rows:
        try:
            first = json.loads(errors)[0].get("message", "")
        except (ValueError, IndexError, AttributeError, TypeError):
            first = ""
        records.append((centre_id, kind, received_at, first))
    frame = pl.DataFrame(records, schema=schema, orient="row")
    return (
        frame.group_by("centre_id", "kind")
        .agg(
            pl.len().alias("rows_waiting"),
            pl.col("received_at").min().alias("oldest_received_at"),
            pl.col("message").mode().sort().first().alias("frequent_message"),
        )
        .with_columns(pl.col("rows_waiting").cast(pl.Int64))
        .sort("rows_waiting", "centre_id", "kind", descending=[True, False, False])
    )
