"""The fast path (issue 17, item 2): after a centre's upload, withdrawal or complete export, the
build worker updates the served warehouse for the changed centres only. Its warehouse must
equal a from-scratch build of the same data folder, every table and view.

One sequence on the dashboard fixture's exports (three centres, then a fourth): an upload by a
centre that had none, a second upload of that centre correcting rows, the withdrawal of every
upload of another centre (all its rows must go), a complete export, and a new centre's upload.
Each step goes through the normal path (ingestion, withdrawal, a build request naming the
centre, the worker) and is compared with `bench/compare_warehouses.py`'s comparison against a
from-scratch build of a copy of the same folder.

`make test` runs the first step on a folder of its own (the fast path and its comparison, once);
the whole sequence (ten builds) and the administrator's rebuild are `exhaustive`.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bench.compare_warehouses import differences
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.upload import ingest
from parcours.warehouse import build as builder
from parcours.warehouse import history, worker
from tests.dashboard_fixture import register_centres

FIXTURE = Path(__file__).parent / "fixtures" / "dashboard"
SCHEMAS = ["main", "intermediate", "staging", "seeds"]
pytestmark = pytest.mark.slow


def _ingest(data_dir: DataDir, centre: str, files: list[Path], *, complete=False) -> None:
    reports = ingest.ingest_files(data_dir, centre, files, actor="test", complete=complete)
    for report in reports:
        assert report.status == "stored", report


def _from_scratch(data_dir: DataDir, where: Path) -> Path:
    """A from-scratch build of a copy of the folder's uploads and registry."""
    shutil.rmtree(where, ignore_errors=True)
    copy = DataDir(where)
    shutil.copytree(data_dir.root / "landing", where / "landing")
    shutil.copyfile(data_dir.ops_db, copy.ops_db)
    result = builder.build(copy, actor="test", docs=False)
    assert result.ok, result.message
    assert result.mode == "full"
    return copy.warehouse


def _fast_build(data_dir: DataDir, reason: str, centre: str) -> builder.BuildResult:
    worker.request_build(data_dir, f"{centre.lower()}@centre.be", reason, centre, start=False)
    result = worker.run_once(data_dir)
    assert result is not None and result.ok, result and result.message
    return result


@pytest.fixture
def folder(tmp_path_factory) -> DataDir:
    """NAM and LIE's exports, built from scratch through the worker (each test its own)."""
    root = tmp_path_factory.mktemp("incremental")
    data_dir = DataDir(root / "data")
    with (FIXTURE / "centres.csv").open(encoding="utf-8") as handle:
        register_centres(data_dir, csv.DictReader(handle))
    # NAM holds the data's last event (a follow-up of June 2025): no step below moves it.
    for centre in ("NAM", "LIE"):
        _ingest(data_dir, f"CISP-{centre}", sorted((FIXTURE / centre).glob("*.csv")))
    # The first build: asked without a centre (as `parcours build` does), so from scratch.
    worker.request_build(data_dir, "admin@parcours.be", "manual", None, start=False)
    first = worker.run_once(data_dir)
    assert first is not None and first.ok, first and first.message
    assert first.mode == "full"
    return data_dir


def _step(folder: DataDir, tmp_path: Path, result: builder.BuildResult, centre: str) -> None:
    assert result.mode == "incremental", result.fallback
    assert result.changed_centres == [centre]
    lines: list[str] = []
    differ = differences(
        str(_from_scratch(folder, tmp_path / "scratch")),
        str(folder.warehouse),
        SCHEMAS,
        echo=lines.append,
    )
    assert differ == [], "\n".join(lines)
    # What was built, as the Transformations page and `parcours build` say it.
    with opstore.connected(folder.ops_db) as conn:
        latest = history.recent_builds(conn, limit=1).row(0, named=True)
    assert latest["build_id"] == result.build_id and latest["status"] == "success"
    assert f"mis à jour pour 1 centre(s) ({centre})" in latest["message"]


def _first_upload_of_a_centre(folder: DataDir, tmp_path: Path) -> None:
    """A centre that had sent nothing uploads its exports."""
    _ingest(folder, "CISP-HAI", sorted((FIXTURE / "HAI").glob("*.csv")))
    _step(folder, tmp_path, _fast_build(folder, "upload", "CISP-HAI"), "CISP-HAI")


def test_fast_path_equals_a_from_scratch_build_after_a_centre_s_first_upload(folder, tmp_path):
    _first_upload_of_a_centre(folder, tmp_path)


@pytest.mark.exhaustive
def test_fast_path_equals_a_from_scratch_build_after_each_change(folder, tmp_path):
    # 1. A centre that had sent nothing uploads its exports.
    _first_upload_of_a_centre(folder, tmp_path)

    # 2. The same centre sends its hours again, corrected (latest wins per trainee and month):
    # other hours for every month but the first, and one month more.
    with (FIXTURE / "HAI" / "hours.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    corrected = tmp_path / "hours.csv"
    with corrected.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=["participant_id", "month", "hours"])
        out.writeheader()
        for row in rows[1:]:
            out.writerow({**row, "hours": str(float(row["hours"]) / 2)})
        out.writerow({"participant_id": "H01", "month": "2023-05", "hours": "30"})
    _ingest(folder, "CISP-HAI", [corrected])
    _step(folder, tmp_path, _fast_build(folder, "upload", "CISP-HAI"), "CISP-HAI")

    # 3. Another centre withdraws every upload: all its rows must go from every table.
    for batch in ingest.list_batches(folder, "CISP-LIE"):
        ingest.withdraw(folder, batch["batch_id"], "lie@centre.be", centre_id="CISP-LIE")
        worker.request_build(folder, "lie@centre.be", "withdrawal", "CISP-LIE", start=False)
    result = worker.run_once(folder)  # the requests waiting together make one build
    assert result is not None and result.ok, result and result.message
    _step(folder, tmp_path, result, "CISP-LIE")
    with opstore.connected(folder.ops_db) as conn:
        waiting = conn.execute("select count(*) from build_requests where build_id is null")
        assert waiting.fetchone()[0] == 0

    # 4. A complete export of HAI's participants without two of them (they leave every table).
    with (FIXTURE / "HAI" / "participants.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, people = reader.fieldnames, list(reader)
    complete = tmp_path / "participants.csv"
    with complete.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=fields)
        out.writeheader()
        out.writerows(people[2:])
    _ingest(folder, "CISP-HAI", [complete], complete=True)
    _step(folder, tmp_path, _fast_build(folder, "complete", "CISP-HAI"), "CISP-HAI")

    # 5. A centre registered today sends its first exports.
    register_centres(
        folder,
        [
            {
                "centre_id": "CISP-NEW",
                "centre_name": "Nouveau Départ",
                "federation": "AID",
                "postal_code": "6000",
            }
        ],
    )
    _ingest(folder, "CISP-NEW", sorted((FIXTURE / "LIE").glob("*.csv")))
    _step(folder, tmp_path, _fast_build(folder, "upload", "CISP-NEW"), "CISP-NEW")


@pytest.mark.exhaustive  # the fixture's first build is one already (asked without a centre)
def test_a_change_without_a_centre_builds_from_scratch(folder):
    # An administrator's rebuild names no centre: from scratch, and the fast path's record of
    # the served warehouse is written again for the next upload.
    worker.request_build(folder, "admin@parcours.be", "manual", None, start=False)
    result = worker.run_once(folder)
    assert result is not None and result.ok, result and result.message
    assert result.mode == "full" and result.changed_centres == []
    assert result.message.startswith("Entrepôt reconstruit")
