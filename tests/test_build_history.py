"""Build history as the Transformations page shows it."""

import json

import pytest

from parcours.store import opstore
from parcours.store.users import User
from parcours.warehouse import history as build_history


@pytest.fixture
def conn(tmp_path):
    connection = opstore.connect(tmp_path / "ops.sqlite")
    summary = {
        "duration_s": 42.5,
        "message": "Entrepôt reconstruit",
        "models": [{"name": "fct_hours"}, {"name": "dim_centres"}],
        "tests": [
            {
                "name": "0ea3bfbcd5",
                "unique_id": "test.parcours.not_null_a.0ea3bfbcd5",
                "status": "pass",
                "severity": "error",
                "kind": "data",
            },
            {
                "name": "orphans",
                "status": "warn",
                "severity": "warn",
                "failures": 3,
                "kind": "data",
                "message": "Got 3 results",
            },
            {"name": "fct_hours.unit", "status": "pass", "severity": "error", "kind": "unit"},
        ],
        "warnings": [{"name": "orphans"}],
        "failures": [],
    }
    connection.executemany(
        "insert into builds values (?,?,?,?,?,?)",
        [
            (
                "w1",
                "2026-11-27T04:00:00+00:00",
                "2026-11-27T04:00:42+00:00",
                "a@x.be",
                "success",
                json.dumps(summary),
            ),
            ("w2", "2026-11-27T05:00:00+00:00", None, "b@x.be", "running", None),
        ],
    )
    yield connection
    connection.close()


def test_recent_builds_latest_first_with_counts(conn):
    builds = build_history.recent_builds(conn)
    assert builds["build_id"].to_list() == ["w2", "w1"]
    w1 = builds.row(1, named=True)
    assert (w1["seconds"], w1["models"], w1["tests"], w1["warnings"]) == (42.5, 2, 3, 1)
    assert w1["status_fr"] == "réussie" and builds["status_fr"][0] == "en cours"


def test_tests_of_a_build_failing_first_in_french(conn):
    tests = build_history.build_tests(conn, "w1")
    assert tests["test"].to_list() == ["orphans", "fct_hours.unit", "not_null_a"]
    first = tests.row(0, named=True)
    assert (first["status"], first["failures"], first["message"]) == (
        "avertissement",
        3,
        "Got 3 results",
    )
    assert tests["kind"].to_list()[1] == "unitaire"
    assert build_history.build_tests(conn, "w2").height == 0


@pytest.mark.parametrize(
    ("line", "fraction"),
    [
        ("Construction : table 12 sur 40", 0.3),
        ("Construction : vérification 40 sur 40 (avertissement)", 1.0),
        ("Lancement de dbt…", None),
    ],
)
def test_progress_fraction(line, fraction):
    assert build_history.progress_fraction(line) == fraction


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("analyst", True), ("admin", True), ("centre", False), ("federation", False)],
)
def test_only_analysts_and_admins_run_builds(role, allowed):
    assert build_history.may_run_builds(User("x@x.be", role)) is allowed
