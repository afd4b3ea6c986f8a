"""No centre's odd but accepted data blocks the sector's build, and no record is lost between
layers. Exports that ingestion accepts whole (nothing quarantined) go through the real pipeline
(`parcours centres add`, `parcours ingest`, `parcours build`), then the monthly aggregate is
checked against the fact tables:

C-ODD (no postal code):
  participants without the optional filière and postal code columns (P1, P2);
  hours and barriers for ids never declared in participants (X-HOURS, X-BARR), a partnership
  and a milestone for them too;
  P1's first barrier assessment (2015) and an hours month (2016) long before the 2024 entry.
C-ONE: a single record, one hours row for a trainee it never declared.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from parcours.store.datadir import DataDir
from tests import warehouse_cache
from tests.build_helpers import cli

# Runs dbt builds of its own: left out of `make test-quick`.
pytestmark = pytest.mark.slow

EXPORTS = {
    "C-ODD": {
        "participants.csv": """participant_id;entry_date;gender
P1;01/03/2024;F
P2;10/05/2024;M
""",
        "barriers.csv": """participant_id;assessed_on;barrier;level
P1;01/06/2015;mobility;2
P1;03/06/2024;mobility;0
X-BARR;01/04/2024;housing;3
""",
        "hours.csv": """participant_id;month;hours
P1;2024-03;40
P2;2024-05;30,5
X-HOURS;2024-04;25
P1;2016-01;10
""",
        "exits.csv": """participant_id;exit_date;destination
P2;30/09/2024;employment_fixed
""",
        "partnerships.csv": """participant_id;started_on;partner_type
X-HOURS;02/04/2024;cpas
""",
        "milestones.csv": """participant_id;achieved_on;milestone
X-BARR;15/04/2024;other
""",
    },
    "C-ONE": {"hours.csv": "participant_id;month;hours\nSOLO;2024-06;12\n"},
}


def _make(root: Path) -> dict:
    """Centres → ingest → build, through the CLI; what each step answered."""
    added, ingested = [], []
    for centre_id in EXPORTS:
        done = cli(root, "centres", "add", centre_id, "--name", centre_id, "--federation", "AID")
        added.append([done.returncode, done.stderr])
    for centre_id, files in EXPORTS.items():
        folder = root.parent / "exports" / centre_id
        folder.mkdir(parents=True)
        paths = []
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
            paths.append(str(folder / name))
        done = cli(root, "ingest", "--centre", centre_id, "--json", *paths)
        ingested.append([done.returncode, done.stdout, done.stderr])
    completed = cli(root, "build", "--json", "--no-docs")
    built = [completed.args, completed.returncode, completed.stdout, completed.stderr]
    return {"added": added, "ingested": ingested, "build": built}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built once while the code and this file are unchanged (`warehouse_cache`), copied here."""
    dest = tmp_path_factory.mktemp("odd") / "data"
    root, record = warehouse_cache.copy_with_record("odd-data", [Path(__file__)], _make, dest)
    for returncode, stderr in record["added"]:
        assert returncode == 0, stderr
    for returncode, stdout, stderr in record["ingested"]:
        assert returncode == 0, stdout + stderr
        for report in json.loads(stdout):
            # Accepted data: every row stored, none quarantined.
            assert (report["status"], report["rows_quarantined"]) == ("stored", 0), report
    completed = subprocess.CompletedProcess(*record["build"])
    summary = json.loads(completed.stdout) if completed.stdout.strip() else {}
    return {"root": root, "completed": completed, "summary": summary}


@pytest.fixture(scope="module")
def db(built):
    assert built["completed"].returncode == 0, built["completed"].stdout[-3000:]
    conn = duckdb.connect(str(DataDir(built["root"]).warehouse), read_only=True)
    yield conn
    conn.close()


def value(db, sql: str):
    return db.execute(sql).fetchone()[0]


def test_the_build_succeeds_and_the_odd_records_are_only_warnings(built, db):
    summary = built["summary"]
    assert summary["status"] == "success", summary.get("message")
    assert not [t for t in summary["tests"] if t["status"] in ("fail", "error")]
    warned = {w["name"] for w in summary["warnings"]}
    assert warned == {"dq_event_before_entry", "dq_undeclared_participant"}


def test_undeclared_ids_have_a_participant_row(db):
    assert db.execute(
        "select centre_id, participant_id, is_declared, filiere from dim_participants order by 1, 2"
    ).fetchall() == [
        ("C-ODD", "P1", True, None),
        ("C-ODD", "P2", True, None),
        ("C-ODD", "X-BARR", False, None),
        ("C-ODD", "X-HOURS", False, None),
        ("C-ONE", "SOLO", False, None),
    ]


@pytest.mark.parametrize(
    ("measure", "facts"),
    [
        ("hours", "select sum(hours) from fct_hours"),
        ("entries", "select count(*) from dim_participants where entry_date is not null"),
        ("exits", "select count(*) from fct_exits"),
        ("positive_exits", "select count(*) from fct_exits where positive_exit"),
        ("milestones_achieved", "select count(*) from fct_milestones"),
        ("barrier_episodes_opened", "select count(*) from fct_barrier_episodes"),
        ("barrier_episodes_lifted", "select count(*) from fct_barrier_episodes where is_lifted"),
    ],
)
def test_no_record_is_lost_in_the_monthly_aggregate(db, measure, facts):
    expected = value(db, facts)
    assert expected  # the odd data does hold such records
    assert value(db, f"select sum({measure}) from agg_centre_month") == expected
    # Nobody here has a filière: everything counts under the sentinel.
    undeclared = f"select sum({measure}) from agg_centre_month where filiere = 'undeclared'"
    assert value(db, undeclared) == expected


def test_the_other_aggregates_keep_every_record(db):
    # Cohorts are cut by population (age band, gender…): the two entrants of C-ODD's cohort add
    # up to 2 at month 0 over the population groups.
    cohort = (
        "select max(size) from (select sum(cohort_size) as size from agg_entry_cohorts "
        "where months_since_entry = 0 group by centre_id, filiere, entry_year)"
    )
    assert value(db, cohort) == 2
    assert db.execute("select distinct filiere from agg_entry_cohorts").fetchall() == [
        ("undeclared",)
    ]


def test_a_centre_with_a_single_record_is_counted(db):
    # Its only month is counted. The monthly aggregate is cut by population now, and a group's
    # months stop once nobody in it can be in training (this trainee never entered): no row of
    # zeros is carried to the data's last month (September 2024) for it.
    rows = db.execute(
        "select filiere, month, hours, participants_in_training from agg_centre_month "
        "where centre_id = 'C-ONE' order by month"
    ).fetchall()
    assert rows[0] == ("undeclared", date(2024, 6, 1), 12.0, 0)
    assert [r[1] for r in rows][-1] == date(2024, 6, 1)
    assert sum(r[2] for r in rows) == 12.0


def test_events_long_before_entry_extend_the_months_and_stay_counted(db):
    # P1's 2015 assessment opens an episode in June 2015; its 2016 hours count in 2016.
    months = dict(
        db.execute("select month, hours from agg_centre_month where centre_id = 'C-ODD'").fetchall()
    )
    assert min(months) == date(2015, 6, 1)
    assert months[date(2016, 1, 1)] == 10.0
    issues = db.execute(
        "select participant_id from rpt_data_quality_issues where rule = 'event_before_entry'"
    ).fetchall()
    assert issues == [("P1",)]


def test_the_sentinel_has_its_label(db):
    assert db.execute(
        "select code, label_fr from seeds.aggregate_codes where list = 'filiere'"
    ).fetchall() == [("undeclared", "Filière non déclarée")]
