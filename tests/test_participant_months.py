"""fct_participant_months (INTERFACES.md §3, « Monthly state ») against an independent oracle.

A handful of hand-made trainees, one per rule, go through the real pipeline (landing batches →
`parcours build`); the oracle below re-derives every (participant, month) row in plain Python,
straight from the contract's words, from the very rows that were uploaded — not from the
warehouse. The aggregates of the Trajectoires page are checked against the same oracle.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from parcours.contract import CODES_CSV
from tests import warehouse_cache
from tests import warehouse_fixtures as wf

# Runs dbt builds of its own: left out of `make test-quick`.
pytestmark = pytest.mark.slow

# --- the hand-made centres ------------------------------------------------------------------
# M01's latest record is a level-0 assessment of A on 2025-11-20 that opens no barrier episode
# (A never had one): the centre's last month is November 2025. A partnership ending in March
# 2026 does not count (partnership ends are not in the contract's list).
# M02 has only recent records: its last month is October 2025.
PERSON = {"birth_year": 1990, "gender": "F", "education": "cess", "filiere": "eft"}
RECORDS: dict[str, dict[str, list[dict]]] = {
    "M01": {
        "participants": [
            # A: no exit — in_centre up to the centre's last month.
            {"participant_id": "A", "entry_date": "2024-01-10", **PERSON},
            # B: exit in the entry month, to a fixed-term job.
            {"participant_id": "B", "entry_date": "2024-03-05", **PERSON},
            # C: follow-up on the exit date (it wins), then a later one.
            {"participant_id": "C", "entry_date": "2024-02-01", **PERSON},
            # D: two exits; a follow-up between them (before the latest exit: ignored).
            {"participant_id": "D", "entry_date": "2024-01-20", **PERSON},
            # E: entered 2020: capped at 37 months; its exit (2023-06) is beyond the cap.
            {"participant_id": "E", "entry_date": "2020-01-15", **PERSON},
            # G: exit dated before the entry (a data-quality warning): all months post-exit.
            {"participant_id": "G", "entry_date": "2024-04-01", **PERSON},
            # H: two follow-ups in one month after the exit: the later one counts that month.
            {"participant_id": "H", "entry_date": "2024-05-02", **PERSON},
            # P: no exit, hours in July 2024 then 0 hours in August (not activity): a presumed
            # exit (v1.2), in_centre to July 2024, unknown after.
            {"participant_id": "P", "entry_date": "2024-06-03", **PERSON},
        ],
        "exits": [
            {"participant_id": "B", "exit_date": "2024-03-28", "destination": "employment_fixed"},
            {"participant_id": "C", "exit_date": "2024-05-15", "destination": "job_search"},
            {"participant_id": "D", "exit_date": "2024-02-28", "destination": "job_search"},
            {"participant_id": "D", "exit_date": "2024-06-30", "destination": "other_cisp"},
            {"participant_id": "E", "exit_date": "2023-06-30", "destination": "inactive"},
            {"participant_id": "G", "exit_date": "2024-02-15", "destination": "inactive"},
            {"participant_id": "H", "exit_date": "2024-07-31", "destination": "inactive"},
            # F: never declared (no entry date): no rows, whatever its exit and follow-ups.
            {"participant_id": "F", "exit_date": "2024-04-30", "destination": "unknown"},
        ],
        "followups": [
            {
                "participant_id": "C",
                "observed_on": "2024-05-15",
                "situation": "employment_permanent",
            },
            {"participant_id": "C", "observed_on": "2024-08-02", "situation": "inactive"},
            {
                "participant_id": "D",
                "observed_on": "2024-04-10",
                "situation": "qualifying_training",
            },
            {"participant_id": "D", "observed_on": "2024-09-01", "situation": "unknown"},
            {"participant_id": "H", "observed_on": "2024-09-03", "situation": "self_employed"},
            {"participant_id": "H", "observed_on": "2024-09-25", "situation": "adult_education"},
            {"participant_id": "H", "observed_on": "2025-06-30", "situation": "job_search"},
            {"participant_id": "F", "observed_on": "2024-10-30", "situation": "job_search"},
        ],
        "barriers": [
            {"participant_id": "A", "assessed_on": "2024-01-10", "barrier": "mobility", "level": 0},
            {"participant_id": "A", "assessed_on": "2025-11-20", "barrier": "mobility", "level": 0},
        ],
        "partnerships": [
            {
                "participant_id": "A",
                "started_on": "2024-02-01",
                "partner_type": "forem",
                "purpose": "referral",
                "ended_on": "2026-03-31",
                "result": "completed",
            }
        ],
        "milestones": [
            {"participant_id": "B", "achieved_on": "2024-03-20", "milestone": "driving_theory"}
        ],
        "hours": [
            {"participant_id": "A", "month": "2025-09", "hours": 40.0},
            {"participant_id": "P", "month": "2024-07", "hours": 20.0},
            {"participant_id": "P", "month": "2024-08", "hours": 0.0},
        ],
    },
    "M02": {
        "participants": [
            {"participant_id": "A", "entry_date": "2025-09-15", **PERSON},
        ],
        "hours": [{"participant_id": "A", "month": "2025-10", "hours": 12.0}],
    },
}


# --- the oracle: INTERFACES §3 « Monthly state », word for word ---------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def situation_groups() -> dict[str, str]:
    with open(CODES_CSV, encoding="utf-8", newline="") as handle:
        return {
            row["code"]: row["group"]
            for row in csv.DictReader(handle)
            if row["list"] == "situation"
        }


def day(value: str) -> date:
    return date.fromisoformat(value + "-01" if len(value) == 7 else value)


def centre_last_month(records: dict[str, list[dict]]) -> date:
    """The month of the latest date among entry dates, assessments, partnership starts,
    milestones, exits, follow-ups and hours months."""
    dated = {
        "participants": "entry_date",
        "barriers": "assessed_on",
        "partnerships": "started_on",
        "milestones": "achieved_on",
        "exits": "exit_date",
        "followups": "observed_on",
        "hours": "month",
    }
    dates = [day(row[column]) for kind, column in dated.items() for row in records.get(kind, [])]
    return month_of(max(dates))


def latest_activity(records: dict[str, list[dict]], pid: str) -> date:
    """INTERFACES §3 v1.2: the latest of the entry date, the hours months with hours > 0 (their
    first day), the assessments, the partnership starts and the milestones."""
    dated = {
        "participants": "entry_date",
        "barriers": "assessed_on",
        "partnerships": "started_on",
        "milestones": "achieved_on",
    }
    dates = [
        day(row[column])
        for kind, column in dated.items()
        for row in records.get(kind, [])
        if row["participant_id"] == pid
    ]
    dates += [
        day(row["month"])
        for row in records.get("hours", [])
        if row["participant_id"] == pid and row["hours"] > 0
    ]
    return max(dates)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def oracle_rows() -> set[tuple]:
    groups = situation_groups()
    expected = set()
    for centre_id, records in RECORDS.items():
        last_month = centre_last_month(records)
        for participant in records["participants"]:
            pid = participant["participant_id"]
            exits = [row for row in records.get("exits", []) if row["participant_id"] == pid]
            latest_exit = max(exits, key=lambda row: row["exit_date"]) if exits else None
            followups = [
                row for row in records.get("followups", []) if row["participant_id"] == pid
            ]
            active = month_of(latest_activity(records, pid))
            presumed = latest_exit is None and months_between(active, last_month) >= 7
            month = month_of(day(participant["entry_date"]))
            for months_since_entry in range(37):  # at most 37 months
                if month > last_month:
                    break
                if presumed:
                    state = "in_centre" if month <= active else "unknown"
                elif latest_exit is None or month < month_of(day(latest_exit["exit_date"])):
                    state = "in_centre"
                else:
                    exit_on = day(latest_exit["exit_date"])
                    end_of_month = next_month(month)  # known by the end of the month
                    known = [(exit_on, 0, latest_exit["destination"])] + [
                        (day(row["observed_on"]), 1, row["situation"])  # same date: follow-up wins
                        for row in followups
                        if exit_on <= day(row["observed_on"]) < end_of_month
                    ]
                    state = groups[max(known)[2]]
                expected.add((centre_id, pid, month, months_since_entry, state))
                month = next_month(month)
    return expected


# --- the warehouse --------------------------------------------------------------------------


def _make(root: Path) -> dict:
    data_dir = wf.data_dir_at(root)
    wf.write_schema_files(data_dir)
    for centre_id, records in RECORDS.items():
        wf.add_centre(data_dir, centre_id, f"CISP {centre_id}", "ACFI", 4000)
        for kind, rows in records.items():
            wf.add_batch(data_dir, centre_id, kind, rows)
    completed = wf.run_cli(root, "build", "--json", "--no-docs")
    return {"built": [completed.returncode, completed.stdout, completed.stderr]}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Built once while the code and this file are unchanged (`warehouse_cache`), copied here."""
    dest = tmp_path_factory.mktemp("participant_months") / "data"
    inputs = [Path(__file__), Path(wf.__file__)]
    root, record = warehouse_cache.copy_with_record("participant-months", inputs, _make, dest)
    returncode, stdout, stderr = record["built"]
    assert returncode == 0, stderr[-3000:] + stdout[-3000:]
    assert json.loads(stdout)["status"] == "success"
    data_dir = wf.data_dir_at(root)
    conn = duckdb.connect(str(data_dir.warehouse), read_only=True)
    yield conn
    conn.close()


def test_participant_months_match_the_contract_oracle(db):
    found = set(db.execute("select * from fct_participant_months").fetchall())
    assert found == oracle_rows()


def test_oracle_covers_every_rule(db):
    """The hand-made cases do exercise each rule (a guard against a too-easy oracle)."""
    expected = oracle_rows()
    by_participant: dict[tuple, list[tuple]] = {}
    for row in sorted(expected):
        by_participant.setdefault(row[:2], []).append(row)
    states = {key: [row[4] for row in rows] for key, rows in by_participant.items()}
    assert ("M01", "F") not in states  # never declared: no rows
    assert len(states[("M01", "E")]) == 37 and set(states[("M01", "E")]) == {"in_centre"}
    assert by_participant[("M01", "A")][-1][2] == date(2025, 11, 1)  # the level-0 assessment
    assert len(states[("M02", "A")]) == 2  # September and October 2025
    assert states[("M01", "B")][0] == "employment"  # exit in the entry month
    # A presumed exit: in_centre to its last activity (July 2024; August's 0 hours do not
    # count), unknown after it to the centre's last month.
    assert states[("M01", "P")][:3] == ["in_centre", "in_centre", "unknown"]
    assert set(states[("M01", "P")][2:]) == {"unknown"}
    assert states[("M01", "C")][3:7] == ["employment", "employment", "employment", "none"]
    assert states[("M01", "D")][3:9] == ["in_centre", "in_centre", "pathway", "pathway"] + [
        "pathway",
        "unknown",
    ]
    assert set(states[("M01", "G")]) == {"none"}
    assert states[("M01", "H")][1:6] == ["in_centre", "none", "none", "training", "training"]


def test_centre_last_months_count_every_assessment(db):
    assert db.execute(
        "select centre_id, last_month from intermediate.int_centre_last_months order by 1"
    ).fetchall() == [("M01", date(2025, 11, 1)), ("M02", date(2025, 10, 1))]


def test_cohort_state_spells_expand_to_the_oracle_counts(db):
    expected = Counter((row[0], row[3], row[4]) for row in oracle_rows())
    found = Counter()
    for centre_id, first, last, state, trainees in db.execute(
        """select centre_id, months_since_entry_from, months_since_entry_to, state, trainees
           from agg_cohort_state_spells"""
    ).fetchall():
        for month in range(first, last + 1):
            found[(centre_id, month, state)] += trainees
    assert found == expected


def test_transitions_count_every_exited_participant_once(db):
    # M01: B, C, D, E, G, H and F (never declared) have exits.
    assert db.execute("select sum(trainees) from agg_transitions").fetchone() == (7,)
    # C: exit 2024-05-15; no follow-up within 4–8 months (2024-09-15 to 2025-01-15) — its
    # 2024-08-02 follow-up is 2.5 months after — nor within 10–14 months.
    # H: exit 2024-07-31; 6 months = 2025-01-31, window 2024-11-30 to 2025-03-31: none.
    # 12 months = 2025-07-31, window 2025-05-31 to 2025-09-30: 2025-06-30 job_search (none).
    assert db.execute(
        """select filiere, destination_group, state_at_6_months, state_at_12_months,
                  sum(trainees)
           from agg_transitions group by all order by all"""
    ).fetchall() == [
        ("eft", "employment", "not_observed", "not_observed", 1),  # B
        ("eft", "none", "not_observed", "none", 1),  # H
        ("eft", "none", "not_observed", "not_observed", 3),  # C, E, G
        ("eft", "pathway", "not_observed", "not_observed", 1),  # D (its follow-up: 2 months)
        ("undeclared", "unknown", "none", "not_observed", 1),  # F: 6 months on 2024-10-30
    ]
