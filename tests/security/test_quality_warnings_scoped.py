"""The Qualité page's « tests de la dernière construction »: a centre reads counts of its own
rows only, never dbt's all-centre totals (which would tell it how many issues other centres
have)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from parcours.analytics import quality
from parcours.store import opstore
from parcours.store.datadir import DataDir
from tests.handmade import make_opstore, make_warehouse

TESTS = [
    {"name": "h1", "unique_id": "test.parcours.dq_exit_before_entry.h1", "status": "warn",
     "severity": "warn", "failures": 7},
    {"name": "h2", "unique_id": "test.parcours.dq_undeclared_participant.h2", "status": "warn",
     "severity": "warn", "failures": 5},
    {"name": "h3", "unique_id": "test.parcours.dq_event_before_entry.h3", "status": "warn",
     "severity": "warn", "failures": 3},
    {"name": "h4", "unique_id": "test.parcours.not_null_fct_hours_hours.h4", "status": "warn",
     "severity": "warn", "failures": 9},
    {"name": "h5", "unique_id": "test.parcours.unique_dim_centres.h5", "status": "pass",
     "severity": "error", "failures": 0},
]  # fmt: skip


def add_build(conn, tests=TESTS) -> None:
    with opstore.transaction(conn):
        conn.execute(
            "insert into builds values ('build9', '2030-01-01T00:00:00+00:00', "
            "'2030-01-01T00:01:00+00:00', 'analyste@parcours.be', 'success', ?)",
            (json.dumps({"tests": tests}),),
        )


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scoped")
    con = duckdb.connect(str(make_warehouse(folder / "warehouse.duckdb")), read_only=True)
    ops = opstore.connect(make_opstore(folder / "ops.sqlite"))
    add_build(ops)
    yield ops, con
    ops.close()
    con.close()


def counts(frame) -> dict:
    return dict(frame.select("test", "failures").iter_rows())


def test_a_centre_gets_its_own_counts_and_nothing_else(stores):
    ops, con = stores
    # rpt_data_quality_issues of the handmade warehouse: C1 one event before entry; C2 one exit
    # before entry and one undeclared trainee.
    assert counts(quality.scoped_build_warnings(ops, con, ["C1"])) == {"dq_event_before_entry": 1}
    assert counts(quality.scoped_build_warnings(ops, con, ["C2"])) == {
        "dq_exit_before_entry": 1,
        "dq_undeclared_participant": 1,
    }
    assert counts(quality.scoped_build_warnings(ops, con, ["C3"])) == {}


def test_a_view_of_every_centre_keeps_dbt_counts(stores):
    ops, con = stores
    assert counts(quality.scoped_build_warnings(ops, con, None)) == {
        "dq_exit_before_entry": 7,
        "dq_undeclared_participant": 5,
        "dq_event_before_entry": 3,
        "not_null_fct_hours_hours": 9,
    }


@pytest.fixture(scope="module")
def scratch(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("qualite") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(root))
        data_dir = DataDir.from_env()
        with opstore.connected(data_dir.ops_db) as conn:
            add_build(conn)
        # Cross-file issues in two centres (the fixture's exports have none).
        with duckdb.connect(str(data_dir.warehouse)) as db:
            db.execute(
                "insert into rpt_data_quality_issues (centre_id, rule, participant_id, event_on, "
                "detail) values "
                "('CISP-NAM', 'exit_before_entry', 'N01', date '2024-01-01', 'x'),"
                "('CISP-NAM', 'event_before_entry', 'N02', date '2024-01-01', 'x'),"
                "('CISP-NAM', 'event_before_entry', 'N03', date '2024-01-01', 'x'),"
                "('CISP-LIE', 'exit_before_entry', 'L01', date '2024-01-01', 'x'),"
                "('CISP-LIE', 'undeclared_participant', 'L09', date '2024-01-01', 'x')"
            )
        yield data_dir


@pytest.mark.slow
def test_the_page_shows_a_centre_its_own_counts_only(scratch):
    from tests.conftest import app_as

    with duckdb.connect(str(scratch.warehouse), read_only=True) as db:
        own = dict(
            db.sql(
                "select 'dq_' || rule, count(*) from rpt_data_quality_issues "
                "where centre_id = 'CISP-NAM' group by rule"
            ).fetchall()
        )
    assert own == {"dq_exit_before_entry": 1, "dq_event_before_entry": 2}
    at = app_as("nam@centre.be", "pages/qualite.py")
    assert not at.exception
    tables = [df.value for df in at.dataframe if "Test" in df.value.columns]
    shown = {}
    for table in tables:
        shown = dict(zip(table["Test"], table["Lignes en défaut"], strict=True))
    assert shown == own  # not 7, 5, 3 nor the not_null test's 9
    captions = " ".join(c.value for c in at.caption)
    assert "(tous centres)" not in captions
