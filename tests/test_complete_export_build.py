"""A complete export corrects a key column (EXPORT_FORMAT §5 v1.1), through the real pipeline:
a mistyped exit date, assessment date and milestone date are replaced, not doubled; withdrawing
the complete export brings the earlier records back; a later ordinary upload adds to it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from parcours.store.datadir import DataDir
from tests.build_helpers import cli

# Runs dbt builds of its own: left out of `make test-quick`.
pytestmark = pytest.mark.slow

PARTICIPANTS = "participant_id;entry_date\nP1;01/02/2024\nP2;01/03/2024\n"
FIRST = {
    "exits.csv": "participant_id;exit_date;destination\nP1;30/04/2024;employment_fixed\n",
    "barriers.csv": "participant_id;assessed_on;barrier;level\nP1;05/02/2024;mobility;2\n",
    "milestones.csv": "participant_id;achieved_on;milestone\nP1;10/03/2024;driving_licence\n",
}
# The dates were mistyped: the corrected complete exports hold the right ones only.
CORRECTED = {
    "sorties-completes.csv": (
        "participant_id;exit_date;destination\nP1;30/05/2024;employment_fixed\n"
    ),
    "freins-complets.csv": "participant_id;assessed_on;barrier;level\nP1;06/02/2024;mobility;2\n",
    "etapes-completes.csv": "participant_id;achieved_on;milestone\nP1;11/03/2024;driving_licence\n",
}
LATER = {"sorties-p2.csv": "participant_id;exit_date;destination\nP2;15/06/2024;job_search\n"}


def send(root: Path, files: dict[str, str], *flags: str) -> list[dict]:
    folder = root.parent / "exports"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    done = cli(root, "ingest", "--centre", "C1", "--json", *flags, *(folder / n for n in files))
    assert done.returncode == 0, done.stdout + done.stderr
    reports = json.loads(done.stdout)
    assert all(r["rows_quarantined"] == 0 for r in reports), reports
    return reports


def dates(root: Path) -> dict[str, list]:
    built = cli(root, "build", "--no-docs")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    with duckdb.connect(str(DataDir(root).warehouse), read_only=True) as db:
        return {
            "exits": db.execute(
                "select participant_id, exit_date from fct_exits order by 1, 2"
            ).fetchall(),
            "barriers": db.execute(
                "select identified_on from fct_barrier_episodes order by 1"
            ).fetchall(),
            "milestones": db.execute(
                "select achieved_on from fct_milestones order by 1"
            ).fetchall(),
            "exit_of_p1": db.execute(
                "select exit_date from dim_participants where participant_id = 'P1'"
            ).fetchone(),
        }


def _complete_export_replaces_mistyped_dates(root: Path) -> list[dict]:
    assert cli(root, "centres", "add", "C1", "--name", "Un", "--federation", "AID").returncode == 0
    send(root, {"participants.csv": PARTICIPANTS, **FIRST})

    # Without --complete, the corrected rows are new keys: the wrong ones would stay beside them.
    dry = send(root, CORRECTED, "--complete", "--dry-run")
    assert [r["superseded"] for r in dry] == [1, 1, 1]
    complete = send(root, CORRECTED, "--complete")
    corrected = dates(root)
    assert [str(d) for _, d in corrected["exits"]] == ["2024-05-30"]
    assert [str(d) for (d,) in corrected["barriers"]] == ["2024-02-06"]
    assert [str(d) for (d,) in corrected["milestones"]] == ["2024-03-11"]
    assert str(corrected["exit_of_p1"][0]) == "2024-05-30"
    return complete


def test_a_complete_export_replaces_mistyped_dates(tmp_path):
    _complete_export_replaces_mistyped_dates(tmp_path / "data")


# Two builds more (a later upload, the withdrawal): for `make test-all`. Without a build, the
# same sequence is test_cli_ingest_complete.py's.
@pytest.mark.exhaustive
def test_a_complete_export_replaces_mistyped_dates_and_withdrawal_restores_them(tmp_path):
    root = tmp_path / "data"
    complete = _complete_export_replaces_mistyped_dates(root)

    # A later ordinary upload adds to the complete export.
    send(root, LATER)
    added = dates(root)
    assert [(p, str(d)) for p, d in added["exits"]] == [("P1", "2024-05-30"), ("P2", "2024-06-15")]

    # Withdrawing the complete exports brings the earlier records back.
    for report in complete:
        assert cli(root, "withdraw", report["batch_id"]).returncode == 0
    restored = dates(root)
    assert [(p, str(d)) for p, d in restored["exits"]] == [
        ("P1", "2024-04-30"),
        ("P2", "2024-06-15"),
    ]
    assert [str(d) for (d,) in restored["barriers"]] == ["2024-02-05"]
    assert [str(d) for (d,) in restored["milestones"]] == ["2024-03-10"]
