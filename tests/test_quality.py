"""Data-quality figures: numbers computed by hand on the handmade warehouse and store."""

from datetime import date

import duckdb
import pytest

from parcours.analytics import quality
from parcours.store import opstore, registry
from tests.handmade import make_opstore, make_warehouse


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = make_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def ops(tmp_path_factory):
    conn = opstore.connect(make_opstore(tmp_path_factory.mktemp("ops") / "ops.sqlite"))
    yield conn
    conn.close()


def test_last_upload_ignores_withdrawn_batches_and_lists_missing_kinds(ops):
    uploads = registry.last_uploads(ops, ["C1"])
    assert uploads.height == 7  # one row per kind, even those never sent
    by_kind = {r["kind"]: r for r in uploads.iter_rows(named=True)}
    assert by_kind["participants"]["last_received_at"].startswith("2024-03-01")
    assert by_kind["participants"]["batches"] == 1
    assert by_kind["hours"]["file_name"] == "hours-4.csv"
    assert by_kind["hours"]["rows_stored"] == 6
    assert by_kind["exits"]["last_received_at"] is None


def test_waiting_quarantine_counts_unresolved_rows_of_active_batches(ops):
    waiting = registry.waiting_by_kind(ops, None)
    assert waiting.rows(named=True) == [
        {
            "centre_id": "C1",
            "kind": "hours",
            "rows_waiting": 2,
            "oldest_received_at": "2024-04-15T10:00:00+00:00",
            "frequent_message": "« hours » : nombre attendu",
        }
    ]
    assert registry.waiting_by_kind(ops, ["C2"]).height == 0


def test_months_covered_and_gaps(con):
    covered = {r["centre_id"]: r for r in quality.months_covered(con, None).iter_rows(named=True)}
    assert covered["C1"]["first_month"] == date(2024, 1, 1)
    assert covered["C1"]["last_month"] == date(2024, 4, 1)
    assert covered["C1"]["months_with_hours"] == 4 and covered["C1"]["gaps"] == 0
    assert covered["C2"]["months_with_hours"] == 5


def test_completeness_share_of_active_trainees_with_hours(con):
    matrix = quality.completeness(con, ["C1"], months=4, until=date(2024, 4, 1))
    rows = [(r["month"].month, r["active"], r["with_hours"]) for r in matrix.iter_rows(named=True)]
    # Jan: E-001; Feb: E-001, E-002; Mar and Apr: + E-003 — hours as in the example.
    assert rows == [(1, 1, 1), (2, 2, 2), (3, 3, 1), (4, 3, 1)]
    assert matrix["share"].round(3).to_list() == [1.0, 1.0, 0.333, 0.333]


def test_completeness_window_defaults_to_latest_month_and_is_scoped(con):
    matrix = quality.completeness(con, ["C2"], months=2)
    assert set(matrix["centre_id"]) == {"C2"}
    assert matrix["month"].to_list() == [date(2024, 4, 1), date(2024, 5, 1)]
    assert quality.completeness(con, [], months=2).height == 0


def test_outliers_by_ceiling_and_by_robust_z_score(con):
    rows = quality.hours_outliers(con, None, individual=True).rows(named=True)
    assert [(r["centre_id"], r["participant_id"], r["hours"], r["reason"]) for r in rows] == [
        ("C1", "E-003", 230.0, "plus de 200 h dans le mois"),
        ("C2", "E-001", 150.0, "très au-dessus des habitudes du centre"),
    ]
    # C1: median 72,25 h, MAD 16,25 h → z = 0,6745 × 157,75 / 16,25 ≈ 6,5
    assert rows[0]["robust_z"] == pytest.approx(6.5, abs=0.05)


def test_outliers_without_individual_rights_are_counts_only(con):
    counts = quality.hours_outliers(con, ["C1", "C2"], individual=False)
    assert "participant_id" not in counts.columns
    assert dict(zip(counts["centre_id"], counts["flagged_months"], strict=True)) == {
        "C1": 1,
        "C2": 1,
    }


def test_page_reads_the_built_mart_within_the_chosen_centres(tmp_path):
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(path)) as db:
        # A row only the mart has shows that the page reads the mart, within the centres asked.
        db.execute(
            "insert into rpt_hours_outliers values ('C2', 'E-999', date '2024-05-01', 300, 40, "
            "null, 'plus de 200 h dans le mois'), ('C1', 'E-998', date '2024-05-01', 300, 40, "
            "null, 'plus de 200 h dans le mois')"
        )
        with_mart = quality.hours_outliers(db, ["C2"], individual=True)
    assert with_mart["participant_id"].to_list() == ["E-001", "E-999"]


def test_latest_build_warnings_lists_tests_that_did_not_pass(ops):
    warnings = quality.latest_build_warnings(ops)
    assert warnings.select("test", "status", "severity", "failures").rows() == [
        ("exit_after_entry", "avertissement", "avertissement", 2)
    ]


def test_dq_issues_rows_for_individual_scopes_counts_otherwise(con):
    rows = quality.dq_issues(con, ["C1"], individual=True)
    assert rows.select("centre_id", "rule", "participant_id").rows() == [
        ("C1", "event_before_entry", "E-003")
    ]
    counts = quality.dq_issues(con, None, individual=False)
    assert "participant_id" not in counts.columns
    assert counts.rows() == [
        ("C1", "event_before_entry", 1),
        ("C2", "exit_before_entry", 1),
        ("C2", "undeclared_participant", 1),
    ]
