"""`parcours build`: exit codes, the JSON summary, the record of each build, and a failed build
leaving the served warehouse untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time

import pytest

from parcours.store import opstore
from parcours.warehouse import build
from tests import warehouse_fixtures as wf

# Slow (dbt builds of its own): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return wf.fixture_warehouse(tmp_path_factory)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_exits_0_and_prints_a_json_summary(built):
    completed, summary = built["completed"], built["summary"]
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert summary["status"] == "success"
    assert summary["warehouse"] == str(built["built_in"].warehouse)
    assert summary["duration_s"] > 0
    models = {m["name"]: m["status"] for m in summary["models"]}
    for table in ("dim_centres", "dim_participants", "fct_barrier_episodes", "fct_hours",
                  "agg_centre_month", "rpt_data_quality_issues"):  # fmt: skip
        assert models[table] == "success"
    tests = {t["name"]: t for t in summary["tests"]}
    unit = tests["int_barrier_assessments_to_episodes.episode_lifted"]
    assert (unit["kind"], unit["status"]) == ("unit", "pass")
    unique_hours = tests["unique_key_fct_hours_centre_id__participant_id__month"]
    assert (unique_hours["status"], unique_hours["severity"]) == ("pass", "error")
    # Cross-file rules warn (they do not fail the build) and are listed as warnings.
    warned = {w["name"]: w["failures"] for w in summary["warnings"]}
    assert warned == {
        "dq_event_before_entry": 1,
        "dq_exit_before_entry": 1,
        "dq_undeclared_participant": 1,
    }
    assert tests["dq_exit_before_entry"]["severity"] == "warn"


def test_build_prints_progress_while_it_runs(built):
    lines = built["completed"].stderr.splitlines()
    assert lines[0].startswith("Registre figé : ")
    # Plain French counted to the real total (dbt's « 332/654 » stopped halfway), no dbt names.
    counted = [line for line in lines if line.startswith("Construction : ")]
    assert counted and counted[-1].endswith("(100 %)")
    total = counted[-1].split(" sur ")[1].split()[0]
    summary = built["summary"]
    assert int(total) == len(summary["models"]) + len(summary["tests"]) + len(summary["seeds"])
    assert not any("int_hours_latest" in line or "not_null" in line for line in lines)
    assert len(counted) < 60  # a few lines a person reads, not one per dbt node


def test_build_is_recorded_and_docs_are_published(built):
    data_dir = built["data_dir"]
    conn = opstore.connect(data_dir.ops_db)
    (status, summary), = conn.execute("select status, summary from builds").fetchall()  # fmt: skip
    audit = conn.execute("select action, detail from audit_log where action = 'build'").fetchall()
    conn.close()
    assert status == "success"
    assert json.loads(summary)["build_id"] == built["summary"]["build_id"]
    assert json.loads(audit[-1]["detail"])["status"] == "success"
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (data_dir.docs / name).stat().st_size > 0
    # dbt's own files stay under the data folder's build/, never in the repository.
    assert (data_dir.root / "build" / "target" / "run_results.json").exists()
    assert not (data_dir.build_work / build.WORK_NAME).exists()


def test_failed_build_exits_1_names_the_test_and_leaves_the_warehouse_untouched(built, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(built["root"], root)
    data_dir = wf.data_dir_at(root)
    before = sha256(data_dir.warehouse)
    # A landing row ingestion would never write: an unknown barrier code (error-level test).
    wf.add_batch(data_dir, "C002", "barriers",
                 [{"participant_id": "P2", "assessed_on": "2024-04-01", "barrier": "bogus",
                   "level": 2}])  # fmt: skip

    completed = wf.run_cli(root, "build", "--json", "--no-docs")

    assert completed.returncode == 1
    summary = json.loads(completed.stdout)
    assert summary["status"] == "failed"
    failed = [f["name"] for f in summary["failures"]]
    assert "code_in_list_fct_barrier_episodes_barrier__barrier" in failed
    assert "code_in_list_fct_barrier_episodes_barrier__barrier" in summary["message"]
    assert summary["message"].endswith("L'entrepôt servi n'a pas changé.")
    assert sha256(data_dir.warehouse) == before
    assert not data_dir.previous_warehouse.exists()
    conn = opstore.connect(data_dir.ops_db)
    statuses = [r[0] for r in conn.execute("select status from builds order by started_at")]
    conn.close()
    assert statuses == ["success", "failed"]


def test_a_null_where_the_contract_forbids_one_fails_the_model_and_names_the_column(
    built, tmp_path
):
    """The marts' not-null rules are enforced by their contracts (DuckDB refuses the row), not
    by separate data tests: a null there still fails the build, naming the model and column."""
    root = tmp_path / "data"
    shutil.copytree(built["root"], root)
    data_dir = wf.data_dir_at(root)
    before = sha256(data_dir.warehouse)
    # A landing row ingestion would never write: an exit without its destination.
    wf.add_batch(
        data_dir,
        "C002",
        "exits",
        [{"participant_id": "P2", "exit_date": "2024-04-17", "destination": None}],
    )

    completed = wf.run_cli(root, "build", "--json", "--no-docs")

    assert completed.returncode == 1
    summary = json.loads(completed.stdout)
    failed = {f["name"]: f for f in summary["failures"]}
    assert "fct_exits" in failed, summary["failures"]
    assert failed["fct_exits"]["resource"] == "model"
    assert "le modèle fct_exits a échoué" in summary["message"]
    assert "NOT NULL" in summary["message"] and "destination" in summary["message"]
    assert sha256(data_dir.warehouse) == before


def test_failed_build_message_without_json_is_french_on_stderr(built, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(built["root"], root)
    data_dir = wf.data_dir_at(root)
    before = sha256(data_dir.warehouse)
    # A model error this time: a landing file whose level column is not a number.
    import polars as pl

    bad = pl.DataFrame(
        {"batch_id": ["bX"], "centre_id": ["C002"], "row_number": [1], "participant_id": ["P2"],
         "assessed_on": ["not a date"], "barrier": ["mobility"], "level": ["x"],
         "extra": [None]},
        schema_overrides={"extra": pl.String},
    )  # fmt: skip
    bad.write_parquet(data_dir.landing_kind("barriers") / "bX.parquet")
    wf.register_batch(data_dir, "C002", "barriers", "bX", 1)

    completed = wf.run_cli(root, "build", "--no-docs")

    assert completed.returncode == 1
    assert "La construction a échoué" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    assert sha256(data_dir.warehouse) == before


def test_build_without_any_landing_file_says_so_in_french(tmp_path):
    completed = wf.run_cli(tmp_path / "fresh", "build")
    assert completed.returncode == 1
    assert "aucun fichier de dépôt" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "fresh" / "warehouse.duckdb").exists()


def test_a_second_build_waits_for_the_first(tmp_path):
    data_dir = wf.data_dir_at(tmp_path / "data")
    said: list[str] = []
    entered = threading.Event()

    def second():
        with build.build_lock(data_dir, said.append):
            entered.set()

    with build.build_lock(data_dir, said.append):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        assert not entered.is_set()
    thread.join(timeout=5)
    assert entered.is_set()
    assert said == ["Une autre construction de l'entrepôt est en cours ; attente de sa fin…"]


def test_build_has_help_text(tmp_path):
    completed = wf.run_cli(tmp_path, "build", "--help")
    assert completed.returncode == 0
    assert "--json" in completed.stdout


def test_a_copied_data_folder_builds_from_its_own_files(built, tmp_path):
    """dbt's parse cache lives in the data folder and remembers paths: a copy must build from
    the copy's landing files, not from the folder it was copied from (here the fixture's folder
    as its build left it, parse cache included)."""
    copy = wf.data_dir_at(wf.copy_of_fixture_folder(tmp_path / "copy", keep_parse=True))
    assert (copy.root / "build" / "target" / "partial_parse.msgpack").exists()
    wf.withdraw(copy, built["ids"]["example_hours"])

    completed = wf.run_cli(copy.root, "build")

    assert completed.returncode == 0, completed.stderr[-2000:]
    import duckdb

    hours = "select count(*) from fct_hours where centre_id = 'C001'"
    with duckdb.connect(str(built["built_in"].warehouse), read_only=True) as conn:
        assert conn.execute(hours).fetchone()[0] > 0
    with duckdb.connect(str(copy.warehouse), read_only=True) as conn:
        assert conn.execute(hours).fetchone() == (0,)


def test_a_rebuild_keeps_docs_and_unit_test_results_while_the_project_is_unchanged(built, tmp_path):
    # The fixture's folder as its first build left it (with docs; dbt's unit tests passed).
    assert built["completed"].returncode == 0
    data_dir = wf.data_dir_at(wf.copy_of_fixture_folder(tmp_path / "data"))
    catalog = (data_dir.docs / "catalog.json").stat().st_mtime_ns

    again = wf.run_cli(data_dir.root, "build", "--json")

    assert again.returncode == 0
    assert "Documentation dbt inchangée" in again.stdout + again.stderr
    assert (data_dir.docs / "catalog.json").stat().st_mtime_ns == catalog
    # The dbt unit tests (logic on fixed rows) passed for this project: not run again.
    assert "Tests unitaires dbt déjà réussis" in again.stderr
    kinds = {t["kind"] for t in json.loads(again.stdout)["tests"]}
    assert "unit" not in kinds and "data" in kinds
    # A change to the project (here: its fingerprints) regenerates the docs, reruns unit tests.
    (data_dir.docs / "fingerprint.txt").write_text("another project", encoding="utf-8")
    (data_dir.root / "build" / "unit_tests_passed_for.txt").write_text("another", encoding="utf-8")
    third = wf.run_cli(data_dir.root, "build", "--json")
    assert third.returncode == 0
    assert (data_dir.docs / "catalog.json").stat().st_mtime_ns != catalog
    assert "unit" in {t["kind"] for t in json.loads(third.stdout)["tests"]}


def test_dbt_file_log_keeps_the_results_not_every_statement(built):
    """Writing every SQL statement to dbt's log cost a fast build about 7 %: the log keeps the
    build's results and errors (info level), a developer can ask for the statements back."""
    lines = (built["root"] / "build" / "logs" / "dbt.log").read_text("utf-8").splitlines()
    events = [json.loads(line)["info"] for line in lines if line.startswith("{")]
    assert any(event["name"] == "LogModelResult" for event in events)
    assert not [event for event in events if event["level"] == "debug"]
