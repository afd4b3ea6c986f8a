"""Landing parquet files: one immutable file per stored batch (docs/ARCHITECTURE.md, « Landing
parquet »). The schema of each kind comes from `validation.landing_schema` (the one place it is
defined); validation produces frames in it without `batch_id`, the dbt sources read it.

A file is written to a hidden temporary name and renamed into place, so a reader (a build) never
sees half a file. The batch registry row is committed only after the rename: a crash in between
leaves an orphan file that no registry row names, and the build ignores it (it joins the landing
files with the registry).
"""

from __future__ import annotations

import hashlib
import io

import polars as pl

from parcours.contract import KINDS
from parcours.core.files import write_atomically
from parcours.store.datadir import DataDir
from parcours.upload.validation import landing_schema

# Snappy, as DuckDB writes by default: a third of zstd's time to write a million rows, for files
# half again as large (they are read once per build).
COMPRESSION = "snappy"


def schema(kind: str, *, with_batch_id: bool = True) -> pl.Schema:
    """The landing schema of a kind, `batch_id` first unless asked otherwise. Defined once, by
    validation (which produces frames in it), from the contract."""
    return pl.Schema(landing_schema(kind, with_batch_id=with_batch_id))


def conform(kind: str, accepted: pl.DataFrame, batch_id: str) -> pl.DataFrame:
    """The accepted frame of a check, with `batch_id` in front and every column cast to the
    landing schema (a missing optional column becomes nulls)."""
    target = schema(kind)
    columns = []
    for name, dtype in target.items():
        if name == "batch_id":
            columns.append(pl.lit(batch_id, dtype=pl.String).alias(name))
        elif name in accepted.columns:
            columns.append(pl.col(name).cast(dtype, strict=True))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return accepted.select(columns)


def ensure_schema_files(data_dir: DataDir) -> None:
    """Write the zero-row `_schema.parquet` of every kind, so the build's globs never fail."""
    for kind in KINDS:
        folder = data_dir.landing_kind(kind)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "_schema.parquet"
        if not path.exists():
            write_atomically(path, pl.DataFrame(schema=schema(kind)).write_parquet)


def batch_path(data_dir: DataDir, kind: str, batch_id: str):
    return data_dir.landing_kind(kind) / f"{batch_id}.parquet"


def write_batch(data_dir: DataDir, kind: str, batch_id: str, accepted: pl.DataFrame) -> str:
    """Write one batch's landing file; return the sha256 of the written bytes.

    The zero-row schema files of every kind are written first (when missing), so that once a
    folder holds one upload, the build's globs over every kind are valid."""
    ensure_schema_files(data_dir)
    path = batch_path(data_dir, kind, batch_id)
    frame = conform(kind, accepted, batch_id)
    write_atomically(path, lambda tmp: frame.write_parquet(tmp, compression=COMPRESSION))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_batch_file(data_dir: DataDir, kind: str, batch_id: str, parquet: bytes) -> str:
    """`write_batch` for a landing file already made (by the checking process: the bytes of
    `conform(kind, accepted, batch_id)` as parquet); return the sha256 of its bytes.

    The file's footer is checked first (schema of the kind, one batch id): the process that
    made it read a hostile file, and what it sends back is not taken on trust."""
    try:
        found = pl.read_parquet_schema(io.BytesIO(parquet))
    except Exception as error:  # noqa: BLE001 — whatever the reader says, the bytes are refused
        raise RuntimeError("the checking process sent back an unreadable landing file") from error
    if list(found.items()) != list(schema(kind).items()):
        raise RuntimeError("the checking process sent back a landing file of another schema")
    ensure_schema_files(data_dir)
    path = batch_path(data_dir, kind, batch_id)
    write_atomically(path, lambda tmp: tmp.write_bytes(parquet))
    return hashlib.sha256(parquet).hexdigest()
