"""The builds of the warehouse as the « Transformations » page shows them (no streamlit): the
last builds from the `builds` table of the operational store, the dbt tests of one build, and
the progress of a running build read from `parcours.warehouse.build`'s progress lines."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import polars as pl

from parcours.store import roles

BUILD_ROLES = roles.roles_with("run_builds")
STATUS_FR = {
    "success": "réussie",
    "failed": "échouée",
    "running": "en cours",
    "interrupted": "interrompue",
}
TEST_STATUS_FR = {
    "pass": "réussi",
    "warn": "avertissement",
    "fail": "échec",
    "error": "erreur",
    "skipped": "ignoré",
}
SEVERITY_FR = {"error": "bloquant", "warn": "avertissement"}

BUILD_SCHEMA = {
    "build_id": pl.String,
    "started": pl.Datetime("us", "UTC"),
    "seconds": pl.Float64,
    "actor": pl.String,
    "status": pl.String,
    "status_fr": pl.String,
    "models": pl.Int64,
    "tests": pl.Int64,
    "warnings": pl.Int64,
    "failures": pl.Int64,
    "message": pl.String,
}
TEST_SCHEMA = {
    "test": pl.String,
    "kind": pl.String,
    "status": pl.String,
    "severity": pl.String,
    "failures": pl.Int64,
    "message": pl.String,
}


def may_run_builds(user) -> bool:
    return user.role in BUILD_ROLES


def _summary(text: str | None) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def recent_builds(conn: sqlite3.Connection, limit: int = 20) -> pl.DataFrame:
    """The last builds, latest first; a « running » build whose process is gone (killed, crashed,
    machine restarted) is shown « interrompue » (`build.build_process_gone`)."""
    rows = conn.execute(
        "select build_id, started_at, finished_at, actor, status, summary from builds "
        "order by started_at desc limit ?",
        (limit,),
    ).fetchall()
    records = []
    from parcours.warehouse.build import INTERRUPTED_MESSAGE, build_process_gone

    for build_id, started_at, finished_at, actor, status, summary in rows:
        data = _summary(summary)
        if status == "running" and build_process_gone(data):
            # Its process is gone: shown as interrupted now, recorded so at the next build.
            status = "interrupted"
            data = {**data, "message": INTERRUPTED_MESSAGE}
        started = datetime.fromisoformat(started_at)
        seconds = data.get("duration_s")
        if seconds is None and finished_at:
            seconds = (datetime.fromisoformat(finished_at) - started).total_seconds()
        records.append(
            (
                build_id,
                started,
                float(seconds) if seconds is not None else None,
                actor,
                status,
                STATUS_FR.get(status, status),
                len(data.get("models", [])),
                len(data.get("tests", [])),
                len(data.get("warnings", [])),
                len(data.get("failures", [])),
                data.get("message"),
            )
        )
    return pl.DataFrame(records, schema=BUILD_SCHEMA, orient="row")


def build_tests(conn: sqlite3.Connection, build_id: str) -> pl.DataFrame:
    """The dbt tests (data and unit) of one build, failing ones first."""
    row = conn.execute("select summary from builds where build_id = ?", (build_id,)).fetchone()
    tests = _summary(row[0] if row else None).get("tests", [])
    records = [
        (
            test_name(t),
            "unitaire" if t.get("kind") == "unit" else "données",
            TEST_STATUS_FR.get(t.get("status"), t.get("status")),
            SEVERITY_FR.get(t.get("severity"), t.get("severity")),
            int(t["failures"]) if isinstance(t.get("failures"), int) else None,
            t.get("message") if t.get("status") != "pass" else None,
        )
        for t in tests
        if isinstance(t, dict)
    ]
    order = {"erreur": 0, "échec": 1, "avertissement": 2}
    frame = pl.DataFrame(records, schema=TEST_SCHEMA, orient="row")
    return (
        frame.with_columns(
            pl.col("status").replace_strict(order, default=9, return_dtype=pl.Int8).alias("_o")
        )
        .sort("_o", "test")
        .drop("_o")
    )


def test_name(test: dict) -> str:
    """A readable name: dbt names data tests `test.<project>.<name>.<hash>`; the summary's
    `name` may be that hash."""
    parts = str(test.get("unique_id") or "").split(".")
    if parts[0] == "test" and len(parts) >= 3:
        return parts[2]
    if parts[0] == "unit_test" and len(parts) >= 4:
        return ".".join(parts[2:])
    return str(test.get("name", ""))


def progress_fraction(line: str) -> float | None:
    """« Construction : vérification 70 sur 286 » → 70/286; None for lines that carry no count."""
    from parcours.warehouse.build import progress_step

    step = progress_step(line)
    if step is None:
        return None
    done, total = step
    return min(done / total, 1.0) if total else None
