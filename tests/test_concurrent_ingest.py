"""Two uploads at once on the same data folder (the Streamlit server and a CLI, or two CLIs):
both are stored, each with its own sequence number, and no one sees an error."""

import json
import os
import subprocess
import sys
from pathlib import Path

from parcours.store import opstore
from parcours.store.datadir import PROJECT_ROOT

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"


def start_ingest(data_dir, centre, *paths):
    env = {**os.environ, "PARCOURS_DATA_DIR": str(data_dir.root), "PARCOURS_USER": "test"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parcours",
            "ingest",
            "--centre",
            centre,
            "--json",
            *map(str, paths),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process) -> list[dict]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert err == ""
    return json.loads(out)


def test_two_ingests_at_once(data_dir, centre, conn):
    canonical = [EXAMPLES / "canonical" / f"{k}.csv" for k in ("participants", "barriers", "hours")]
    excel = [EXAMPLES / "excel-fr" / f"{k}.csv" for k in ("exits", "milestones", "followups")]
    one, other = start_ingest(data_dir, centre, *canonical), start_ingest(data_dir, centre, *excel)
    reports = finish(one) + finish(other)
    assert {r["status"] for r in reports} == {"stored"}
    seqs = sorted(b["seq"] for b in opstore.list_batches(conn))
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_the_same_file_twice_at_once_is_stored_once(data_dir, centre, conn):
    path = EXAMPLES / "canonical" / "barriers.csv"
    one, other = start_ingest(data_dir, centre, path), start_ingest(data_dir, centre, path)
    statuses = sorted(r["status"] for r in finish(one) + finish(other))
    assert statuses == ["duplicate", "stored"]
    assert len(opstore.list_batches(conn)) == 1
    assert len(list(data_dir.landing_kind("barriers").glob("b*.parquet"))) == 1
