"""The dbt project's layers, read from the manifest of the session's fixture build
(transform/README.md): staging named after its sources, a primary key on every intermediate
model and report, enforced contracts on the INTERFACES §3 tables, a reconciliation test for
every measure of every aggregate, and warn severity only for the data-quality rules."""

from __future__ import annotations

import json

import pytest

from tests import warehouse_fixtures as wf

SECTION_3 = {
    "dim_centres", "dim_participants", "fct_barrier_episodes", "fct_partnerships",
    "fct_milestones", "fct_exits", "fct_followups", "fct_hours",
}  # fmt: skip
KINDS = ("participants", "barriers", "partnerships", "milestones", "exits", "followups", "hours")
PRIMARY_KEY_TESTS = {"primary_key", "single_row"}
RECONCILIATION_TESTS = {"equal_count", "equal_total"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    built = wf.fixture_warehouse(tmp_path_factory)
    assert built["completed"].returncode == 0, built["completed"].stderr[-3000:]
    path = built["data_dir"].root / "build" / "target" / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))


def models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def checks_on(manifest: dict, model: str) -> list[dict]:
    unique_id = f"model.parcours.{model}"
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and unique_id in node["depends_on"]["nodes"]
    ]


def test_staging_is_one_model_per_source_and_latest_wins_is_intermediate(manifest):
    found = models(manifest)
    for kind in KINDS:
        staging = found[f"stg_landing__{kind}"]
        assert staging["depends_on"]["nodes"] == [f"source.parcours.landing.{kind}"]
        assert staging["config"]["materialized"] == "ephemeral"
        latest = found[f"int_{kind}_latest"]
        # Incremental by centre (a fast build recomputes the changed centres' rows only); a
        # from-scratch build makes it a plain table.
        assert latest["config"]["materialized"] == "incremental"
        assert set(latest["depends_on"]["nodes"]) == {
            f"model.parcours.stg_landing__{kind}",
            "model.parcours.stg_registry__batches",
        }
        assert f"stg_{kind}" not in found
    # Nothing but its int_<kind>_latest reads a landing staging model.
    for name, node in found.items():
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("model.parcours.stg_landing__"):
                assert name == f"int_{parent.split('__')[1]}_latest", (name, parent)


def test_every_intermediate_model_and_report_has_a_primary_key_test(manifest):
    for name in models(manifest):
        if name.startswith(("int_", "rpt_")):
            kinds = {(t.get("test_metadata") or {}).get("name") for t in checks_on(manifest, name)}
            assert kinds & PRIMARY_KEY_TESTS, name


def test_section_3_tables_have_enforced_contracts_with_every_column_typed(manifest):
    found = models(manifest)
    for name in SECTION_3:
        node = found[name]
        assert node["config"]["contract"]["enforced"], name
        assert node["columns"], name
        for column, spec in node["columns"].items():
            assert spec.get("data_type"), (name, column)
            if column.endswith("_on") or column in {"entry_date", "exit_date", "month"}:
                assert spec["data_type"] == "date", (name, column)


def test_every_measure_of_every_aggregate_is_reconciled(manifest):
    dimensions = {"centre_id", "filiere", "month", "barrier", "barrier_group", "partner_type"}
    dimensions |= {"partner_group", "identified_year", "started_year", "entry_year"}
    dimensions |= {"months_since_entry", "months_since_entry_from", "months_since_entry_to"}
    # The population cuts and the states of the Trajectoires aggregates.
    dimensions |= {"age_band", "gender", "education", "status_at_entry", "state"}
    dimensions |= {"destination_group", "state_at_6_months", "state_at_12_months", "event_kind"}
    dimensions |= {"level"}
    for name, node in models(manifest).items():
        if not name.startswith("agg_"):
            continue
        reconciled = set()
        for test in checks_on(manifest, name):
            meta = test.get("test_metadata") or {}
            if meta.get("name") in RECONCILIATION_TESTS:
                reconciled.add(meta["kwargs"]["column_name"].split()[0])
            elif test["name"].startswith("reconcile_"):
                reconciled |= {c for c in node["columns"] if c in test["raw_code"]}
        measures = {c for c in node["columns"] if c not in dimensions}
        assert measures, name
        assert measures <= reconciled, (name, sorted(measures - reconciled))
        severities = {
            t["config"]["severity"].lower()
            for t in checks_on(manifest, name)
            if (t.get("test_metadata") or {}).get("name") in RECONCILIATION_TESTS
            or t["name"].startswith("reconcile_")
        }
        assert severities == {"error"}, name


def test_only_the_data_quality_rules_warn(manifest):
    warned = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["config"]["severity"].lower() == "warn"
    )
    assert warned == ["dq_event_before_entry", "dq_exit_before_entry", "dq_undeclared_participant"]
