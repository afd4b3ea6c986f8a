"""The presumed exit (INTERFACES §3, v1.2) through the real pipeline (`parcours centres add`,
`parcours ingest`, `parcours build`), checked with plain SQL over the marts and through the
Accueil analytics.

One centre whose data end in November 2026 (its last month):
- P-FORGOT entered in March 2024 and nothing else came: no hours, no exit (the issue's case: it
  still counted « en formation » in 2026);
- P-ZERO had 20 hours in March 2026, then months of 0 hours up to November (0 hours is not
  activity): latest activity March, 8 months before the last month;
- P-APRIL's latest activity is a partnership start on 30 April 2026: 7 months before, presumed;
- P-MAY's is an assessment on 2 May 2026: 6 months before, not presumed;
- P-ACTIVE has hours every month up to November 2026;
- P-LEFT left in June 2024 (an exit: never presumed).
"""

from __future__ import annotations

import json
from datetime import date
from html import unescape
from pathlib import Path

import duckdb
import pytest

from parcours.store.datadir import DataDir
from tests import warehouse_cache
from tests.build_helpers import cli

# Slow (a dbt build, cached between runs): first under xdist, not in `make test-quick`.
pytestmark = pytest.mark.slow

HOURS = ["participant_id;month;hours"]
HOURS += [
    f"P-ACTIVE;{y}-{m:02d};30"
    for y in (2024, 2025, 2026)
    for m in range(1, 13)
    if (y, m) < (2026, 12)  # up to November 2026: the centre's last month
]
HOURS += ["P-ZERO;2026-03;20"] + [f"P-ZERO;2026-{m:02d};0" for m in range(4, 12)]

EXPORTS = {
    "participants.csv": """participant_id;entry_date;gender
P-FORGOT;04/03/2024;F
P-ZERO;01/02/2026;M
P-APRIL;01/02/2026;F
P-MAY;01/02/2026;M
P-ACTIVE;02/01/2024;F
P-LEFT;02/01/2024;M
""",
    "hours.csv": "\n".join(HOURS) + "\n",
    "barriers.csv": """participant_id;assessed_on;barrier;level
P-MAY;02/05/2026;mobility;2
""",
    "partnerships.csv": """participant_id;started_on;partner_type
P-APRIL;30/04/2026;cpas
""",
    "exits.csv": """participant_id;exit_date;destination
P-LEFT;30/06/2024;employment_fixed
""",
}


def _make(root: Path) -> dict:
    """Centre → ingest → build, through the CLI; what each step answered."""
    added = cli(root, "centres", "add", "C-P", "--name", "C-P", "--federation", "AID")
    folder = root.parent / "exports"
    folder.mkdir(parents=True)
    paths = []
    for name, text in EXPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    ingested = cli(root, "ingest", "--centre", "C-P", "--json", *paths)
    completed = cli(root, "build", "--json", "--no-docs")
    return {
        step: [done.returncode, done.stdout, done.stderr]
        for step, done in (("added", added), ("ingested", ingested), ("built", completed))
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built once while the code and this file are unchanged (`warehouse_cache`), copied here."""
    dest = tmp_path_factory.mktemp("presumed") / "data"
    root, record = warehouse_cache.copy_with_record("presumed-exit", [Path(__file__)], _make, dest)
    code, _, stderr = record["added"]
    assert code == 0, stderr
    code, stdout, stderr = record["ingested"]
    assert code == 0, stdout + stderr
    for report in json.loads(stdout):
        assert (report["status"], report["rows_quarantined"]) == ("stored", 0), report
    code, stdout, stderr = record["built"]
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def db(built):
    conn = duckdb.connect(str(DataDir(built).warehouse), read_only=True)
    yield conn
    conn.close()


def test_presumed_exit_from_seven_months_without_activity(db):
    rows = dict(db.execute("select participant_id, presumed_exit from dim_participants").fetchall())
    assert rows == {
        "P-FORGOT": True,
        "P-ZERO": True,
        "P-APRIL": True,
        "P-MAY": False,
        "P-ACTIVE": False,
        "P-LEFT": False,
    }
    # A presumed exit is no exit: the exit's columns stay empty.
    (filled,) = db.execute(
        "select count(*) from dim_participants where presumed_exit "
        "and (exit_date is not null or destination is not null or positive_exit is not null)"
    ).fetchone()
    assert filled == 0


def test_entered_in_2024_without_hours_nor_exit_is_no_longer_in_training_in_2026(db):
    years = db.execute(
        "select participant_id, list(year order by year) from fct_training_years group by 1"
    ).fetchall()
    years = {p: list(y) for p, y in years}
    assert years["P-FORGOT"] == [2024]
    assert years["P-ZERO"] == years["P-APRIL"] == years["P-MAY"] == [2026]
    assert years["P-ACTIVE"] == [2024, 2025, 2026]
    in_2026 = {p for p, y in years.items() if 2026 in y}
    assert in_2026 == {"P-ZERO", "P-APRIL", "P-MAY", "P-ACTIVE"}


def test_in_training_month_by_month_ends_with_the_latest_activity(db):
    by_month = dict(
        db.execute(
            "select month, sum(participants_in_training) from agg_centre_month "
            "where month >= date '2026-02-01' group by 1"
        ).fetchall()
    )
    # February and March: P-ACTIVE, P-ZERO, P-APRIL, P-MAY; April: P-ZERO is out (its March
    # was its last activity); May: P-APRIL is out; P-MAY and P-ACTIVE stay to November.
    assert by_month[date(2026, 3, 1)] == 4
    assert by_month[date(2026, 4, 1)] == 3
    assert by_month[date(2026, 5, 1)] == 2
    assert by_month[date(2026, 11, 1)] == 2


def test_the_monthly_state_is_unknown_after_the_latest_activity(db):
    states = dict(
        db.execute(
            "select month, state from fct_participant_months where participant_id = 'P-ZERO'"
        ).fetchall()
    )
    assert states[date(2026, 3, 1)] == "in_centre"
    assert {states[date(2026, m, 1)] for m in range(4, 12)} == {"unknown"}


def test_the_key_figures_say_how_many_presumed_exits_they_include(built, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(built))
    from parcours.analytics import home
    from parcours.warehouse.reader import Filters, Scope

    own = Scope(("C-P",), may_see_individuals=True, mask_small_counts=False)
    filters = Filters(years=(2026, 2026))
    figures = home.page(own, filters)
    in_training = figures["figures"].filter(figure="in_training")["value"][0]
    assert in_training == 4
    assert figures["presumed_exits"] == 2  # P-ZERO and P-APRIL
    assert home.presumed_exits(own, Filters(years=(2024, 2024)), (2024, 2024)) == 1
    sentence = home.presumed_exits_sentence(2, "2")
    assert sentence.startswith("Parmi les stagiaires en formation, 2 sorties présumées")
    # Outside a centre's own data a count from 1 to 4 is not given.
    sector = Scope(None, may_see_individuals=False, mask_small_counts=True)
    assert home.presumed_exits(sector, filters, (2026, 2026)) is None


def test_the_report_says_how_many_presumed_exits_its_key_figures_include(built, tmp_path):
    # The centre's own report, unmasked: P-ZERO and P-APRIL are in training in 2026 with a
    # presumed exit, as Accueil says under the same key figures.
    out = tmp_path / "rapport.html"
    done = cli(built, "report", "--year", "2026", "--centre", "C-P", "--format", "html",
               "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = unescape(out.read_text(encoding="utf-8"))
    assert "Parmi les stagiaires en formation, 2 sorties présumées" in html
