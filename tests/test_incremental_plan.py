"""When a build may take the fast path, and for which centres (`parcours.warehouse.incremental`):
no dbt here, only the decision. That the fast path's warehouse equals a from-scratch build is
`tests/test_incremental_equals_full.py`."""

from __future__ import annotations

import pytest

from parcours.store import opstore
from parcours.warehouse import build as builder
from parcours.warehouse import incremental, worker
from tests import warehouse_fixtures as wf

FINGERPRINT = "project-a"
PARTICIPANT = [{"participant_id": "P1", "entry_date": "2024-01-08"}]


@pytest.fixture
def served(tmp_path):
    """Six centres with one upload each, « built » and served: the registry snapshot and the
    served file recorded as a successful build records them."""
    data_dir = wf.data_dir_at(tmp_path / "data")
    wf.write_schema_files(data_dir)
    for number in range(1, 7):
        centre = f"C{number}"
        wf.add_centre(data_dir, centre, f"CISP {number}", "ACFI", 5000 + number)
        wf.add_batch(data_dir, centre, "participants", PARTICIPANT)
    builder.snapshot_registry(data_dir)
    data_dir.warehouse.write_bytes(b"served warehouse")
    incremental.record_served(data_dir, FINGERPRINT, "w-first")
    return data_dir


def plan_for(data_dir, *centres, fingerprint=FINGERPRINT, docs=False):
    """Requests naming these centres, taken by one build; the plan of that build."""
    for centre in centres:
        worker.request_build(data_dir, "x@centre.be", "upload", centre, start=False)
    with opstore.connected(data_dir.ops_db) as conn:
        conn.execute("update build_requests set build_id = 'w-next' where build_id is null")
    builder.snapshot_registry(data_dir)
    return incremental.plan(data_dir, "w-next", fingerprint, docs)


def test_an_upload_of_one_centre_is_fast_for_that_centre(served):
    wf.add_batch(served, "C2", "participants", PARTICIPANT)
    assert plan_for(served, "C2").centres == ["C2"]


def test_a_centre_changed_without_a_request_is_rebuilt_too(served):
    # C3's upload came through the CLI (no build request): the registry says it changed.
    wf.add_batch(served, "C3", "participants", PARTICIPANT)
    wf.add_batch(served, "C2", "participants", PARTICIPANT)
    assert plan_for(served, "C2").centres == ["C2", "C3"]


def test_a_withdrawal_changes_its_centre(served):
    with opstore.connected(served.ops_db) as conn:
        (batch_id,) = conn.execute("select batch_id from batches where centre_id = 'C4'").fetchone()
        opstore.withdraw_batch(conn, batch_id, actor="test")
    assert plan_for(served, "C4").centres == ["C4"]


def test_a_renamed_centre_is_rebuilt(served):
    with opstore.connected(served.ops_db) as conn:
        conn.execute("update centres set centre_name = 'Autre nom' where centre_id = 'C1'")
    wf.add_batch(served, "C2", "participants", PARTICIPANT)
    assert plan_for(served, "C2").centres == ["C1", "C2"]


@pytest.mark.parametrize(
    "change, expected",
    [
        ("no_centre", "demande de reconstruction complète"),
        ("project", "projet dbt modifié"),
        ("served_file", "l'entrepôt servi n'est pas celui de la dernière construction"),
        ("no_record", "aucun entrepôt servi décrit"),
        ("docs", "documentation à régénérer"),
        ("many_centres", "3 centres modifiés sur 6"),  # more than a third
    ],
)
def test_from_scratch_when_the_fast_path_could_be_wrong_or_not_worth_it(served, change, expected):
    centres, fingerprint, docs = ["C1"], FINGERPRINT, False
    wf.add_batch(served, "C1", "participants", PARTICIPANT)
    if change == "no_centre":
        centres = ["C1", None]
    elif change == "project":
        fingerprint = "project-b"
    elif change == "served_file":
        served.warehouse.write_bytes(b"another warehouse, restored by hand")
    elif change == "no_record":
        (incremental.served_dir(served) / "state.json").unlink()
    elif change == "docs":
        docs = True
    elif change == "many_centres":
        wf.add_batch(served, "C2", "participants", PARTICIPANT)
        wf.add_batch(served, "C3", "participants", PARTICIPANT)
    planned = plan_for(served, *centres, fingerprint=fingerprint, docs=docs)
    assert planned.centres is None
    assert planned.reason == expected


def test_a_build_asked_outside_the_queue_is_from_scratch(served):
    builder.snapshot_registry(served)
    assert incremental.plan(served, "w-direct", FINGERPRINT, False).centres is None
