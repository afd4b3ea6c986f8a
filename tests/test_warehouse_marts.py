"""The warehouse tables of INTERFACES.md §3, compared with rows worked out by hand.

One fixture warehouse is built per session (tests/warehouse_fixtures.py): the shared worked example
as centre C001, and small latest-wins / withdrawal / exit / province cases as centre C002.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests import warehouse_fixtures as wf

D = date.fromisoformat


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    built = wf.fixture_warehouse(tmp_path_factory)
    assert built["completed"].returncode == 0, built["completed"].stderr[-3000:]
    return built


@pytest.fixture(scope="module")
def db(built):
    conn = duckdb.connect(str(built["data_dir"].warehouse), read_only=True)
    yield conn
    conn.close()


def rows(db, sql: str, *params) -> list[tuple]:
    return db.execute(sql, list(params)).fetchall()


def test_worked_example_barrier_episodes_come_out_exactly(db):
    assert rows(
        db,
        """select participant_id, barrier, episode_number, identified_on, initial_level,
                  lifted_on, days_to_lift, is_setback
           from fct_barrier_episodes where centre_id = 'C001' order by all""",
    ) == [
        ("E-001", "mobility", 1, D("2024-01-15"), 3, D("2024-09-02"), 231, False),
        ("E-001", "self_esteem", 1, D("2024-01-15"), 2, D("2024-09-02"), 231, False),
        ("E-001", "self_esteem", 2, D("2025-01-10"), 1, None, None, True),
        ("E-002", "housing", 1, D("2024-02-05"), 3, None, None, False),
    ]


def test_worked_example_total_hours(db):
    assert rows(db, "select sum(hours) from fct_hours where centre_id = 'C001'") == [(264.75,)]


def test_open_episode_is_censored_at_its_last_assessment(db):
    # E-002 housing: 3 on 2024-02-05, 2 on 2024-06-01, never lifted: observed 117 days.
    assert rows(
        db,
        """select is_lifted, last_assessed_on, last_level, observed_days
           from fct_barrier_episodes where participant_id = 'E-002'""",
    ) == [(False, D("2024-06-01"), 2, 117)]


def test_contract_columns_of_every_section_3_table(db):
    contract = {
        "dim_centres": "centre_id, centre_name, federation, province",
        "dim_participants": "centre_id, participant_id, person_key, entry_date, entry_year, "
        "birth_year, gender, education, postal_code, province, filiere, referral, "
        "status_at_entry, exit_date, destination, positive_exit",
        "fct_barrier_episodes": "centre_id, participant_id, barrier, episode_number, "
        "identified_on, initial_level, lifted_on, days_to_lift",
        "fct_partnerships": "centre_id, participant_id, partner_type, partner_name, purpose, "
        "started_on, ended_on, result",
        "fct_milestones": "centre_id, participant_id, milestone, achieved_on, days_since_entry",
        "fct_exits": "centre_id, participant_id, exit_date, reason, destination, positive_exit",
        "fct_followups": "centre_id, participant_id, observed_on, situation, months_after_exit",
        "fct_hours": "centre_id, participant_id, month, hours",
    }
    for table, columns in contract.items():
        found = {
            name: kind
            for name, kind in rows(
                db,
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ?",
                table,
            )
        }
        missing = [c for c in columns.split(", ") if c not in found]
        assert not missing, f"{table} lacks {missing}"
        date_columns = [c for c in found if c.endswith("_on") or c in {"entry_date", "exit_date"}]
        assert all(found[c] == "DATE" for c in date_columns), (table, found)
    assert rows(
        db,
        "select data_type from information_schema.columns "
        "where table_name = 'fct_hours' and column_name = 'month'",
    ) == [("DATE",)]


def test_dim_centres_province_from_the_centre_postal_code(db):
    assert rows(db, "select centre_id, federation, province from dim_centres order by 1") == [
        ("C001", "ACFI", "Liège"),
        ("C002", "AID", "Brabant wallon"),
        ("C003", "CAIPS", None),
    ]


def test_worked_example_participants(db):
    assert rows(
        db,
        """select participant_id, entry_date, entry_year, birth_year, gender, education,
                  postal_code, province, filiere, referral, status_at_entry, exit_date,
                  destination, positive_exit
           from dim_participants where centre_id = 'C001' order by 1""",
    ) == [
        ("E-001", D("2024-01-15"), 2024, 1990, "F", "ceb", 4020, "Liège", "eft", "cpas", "ris",
         D("2025-01-31"), "employment_fixed", True),
        ("E-002", D("2024-02-05"), 2024, 1978, "M", "foreign", 6000, "Hainaut", "defi",
         "forem", "dei", None, None, None),
        ("E-003", D("2024-03-11"), 2024, 2001, "X", "ce1d", 5000, "Namur", "orientation",
         "self", "no_income", D("2024-07-12"), "qualifying_training", True),
    ]  # fmt: skip


def test_latest_upload_wins_and_a_withdrawn_batch_gives_the_earlier_version_back(db):
    # P1: the second participants upload wins (defi, 6600 Luxembourg).
    # P2: re-declared at 5000 in a withdrawn batch: the earlier 1000 (Bruxelles) comes back.
    assert rows(
        db,
        """select participant_id, filiere, postal_code, province, is_declared
           from dim_participants where centre_id = 'C002' order by 1""",
    ) == [
        ("P1", "defi", 6600, "Luxembourg", True),
        ("P2", "eft", 1000, "Bruxelles", True),
        ("P3", "orientation", 9000, "Flandre orientale", True),
        ("P9", None, None, None, False),
    ]
    # Hours 2024-01 uploaded 10, then 20, then 99 (withdrawn): 20.
    assert rows(db, "select month, hours from fct_hours where participant_id = 'P1'") == [
        (D("2024-01-01"), 20.0)
    ]


def test_two_uploads_of_the_same_date_keep_the_latest_level(db):
    # P2 mobility: 3 on 02-01, 0 on 03-01, then 03-01 re-uploaded at 2: never lifted.
    assert rows(
        db,
        """select episode_number, identified_on, initial_level, lifted_on, last_level
           from fct_barrier_episodes where centre_id = 'C002'""",
    ) == [(1, D("2024-02-01"), 3, None, 2)]


def test_positive_exit_follows_the_destination_group(db):
    assert rows(
        db,
        """select participant_id, exit_date, destination, positive_exit
           from fct_exits where centre_id = 'C002' order by all""",
    ) == [
        ("P1", D("2024-06-30"), "job_search", False),
        ("P1", D("2025-03-31"), "employment_art60", True),
        ("P3", D("2024-04-15"), "inactive", False),
    ]
    # dim_participants keeps the latest exit.
    assert rows(
        db,
        """select exit_date, destination, positive_exit from dim_participants
           where centre_id = 'C002' and participant_id = 'P1'""",
    ) == [(D("2025-03-31"), "employment_art60", True)]


def test_months_after_exit_count_from_the_latest_exit_before_the_observation(db):
    assert rows(
        db,
        """select centre_id, participant_id, observed_on, situation, months_after_exit
           from fct_followups order by all""",
    ) == [
        ("C001", "E-001", D("2025-07-31"), "employment_permanent", 6),
        ("C001", "E-003", D("2025-01-12"), "qualifying_training", 6),
        ("C002", "P1", D("2024-09-30"), "job_search", 3),
        ("C002", "P1", D("2025-06-30"), "employment_permanent", 3),
        ("C002", "P2", D("2025-01-15"), "unknown", None),
    ]


def test_milestones_days_since_entry(db):
    assert rows(
        db,
        """select participant_id, milestone, achieved_on, days_since_entry
           from fct_milestones order by centre_id, participant_id, achieved_on""",
    ) == [
        ("E-001", "driving_theory", D("2024-06-14"), 151),
        ("E-001", "driving_licence", D("2024-08-30"), 228),
        ("E-001", "first_internship", D("2024-11-08"), 298),
        ("P3", "ceb", D("2024-03-01"), -61),
        ("P9", "other", D("2024-03-01"), None),
    ]


def test_partnerships_of_the_worked_example(db):
    assert rows(
        db,
        """select participant_id, partner_type, partner_name, purpose, started_on, ended_on,
                  result
           from fct_partnerships order by participant_id, started_on""",
    ) == [
        ("E-001", "driving_school", "Auto-école du Centre", "social_support", D("2024-04-02"),
         D("2024-08-30"), "completed"),
        ("E-001", "employer", 'Brasserie "Le Relais", Liège', "internship", D("2024-10-07"),
         D("2024-11-08"), "completed"),
        ("E-002", "cpas", "CPAS de Charleroi", "social_support", D("2024-03-01"), None,
         "ongoing"),
    ]  # fmt: skip


def test_cross_file_rules_are_listed_for_the_data_quality_page(db):
    assert rows(
        db,
        "select centre_id, rule, participant_id from rpt_data_quality_issues order by all",
    ) == [
        ("C002", "event_before_entry", "P3"),
        ("C002", "exit_before_entry", "P3"),
        ("C002", "undeclared_participant", "P9"),
    ]


def test_participant_path_is_ordered(db):
    assert rows(
        db,
        """select event_type, event_on, event_code from rpt_participant_paths
           where participant_id = 'E-002' order by event_order""",
    ) == [
        ("entry", D("2024-02-05"), "defi"),
        ("assessment", D("2024-02-05"), "housing"),
        ("hours_month", D("2024-02-01"), None),
        ("partnership_start", D("2024-03-01"), "cpas"),
        ("hours_month", D("2024-03-01"), None),
        ("assessment", D("2024-06-01"), "housing"),
    ]


def test_centre_month_counts_participants_in_training(db):
    # C001: E-001 2024-01-15 → exit 2025-01-31; E-002 from 2024-02-05, no exit (defi), a presumed
    # exit;
    # E-003 2024-03-11 → 2024-07-12 (orientation).
    got = {
        (filiere, month): (in_training, entries, exits, positive, hours)
        for filiere, month, in_training, entries, exits, positive, hours in rows(
            db,
            """select filiere, month, participants_in_training, entries, exits,
                      positive_exits, hours
               from agg_centre_month where centre_id = 'C001'""",
        )
    }
    assert got["eft", D("2024-01-01")] == (1, 1, 0, 0, 64.0)
    assert got["eft", D("2025-01-01")] == (1, 0, 1, 1, 0.0)
    assert got["eft", D("2025-02-01")] == (0, 0, 0, 0, 0.0)
    assert got["orientation", D("2024-07-01")] == (1, 0, 1, 1, 0.0)
    assert got["orientation", D("2024-08-01")][0] == 0
    # E-002 has no exit and nothing after its assessment of 1 June 2024, 13 months before
    # C001's last month (July 2025, a follow-up): a presumed exit (INTERFACES §3 v1.2), in
    # training up to June 2024 and no longer from July.
    assert got["defi", D("2024-06-01")][0] == 1
    assert got["defi", D("2024-07-01")][0] == 0
    assert ("defi", D("2025-07-01")) not in got


def test_centre_month_barrier_columns(db):
    assert rows(
        db,
        """select month, barrier_episodes_opened, barrier_episodes_lifted, setbacks,
                  milestones_achieved
           from agg_centre_month
           where centre_id = 'C001' and filiere = 'eft'
             and (barrier_episodes_opened + barrier_episodes_lifted + milestones_achieved) > 0
           order by month""",
    ) == [
        (D("2024-01-01"), 2, 0, 0, 0),
        (D("2024-06-01"), 0, 0, 0, 1),
        (D("2024-08-01"), 0, 0, 0, 1),
        (D("2024-09-01"), 0, 2, 0, 0),
        (D("2024-11-01"), 0, 0, 0, 1),
        (D("2025-01-01"), 1, 0, 1, 0),
    ]


def test_entry_cohorts(db):
    # E-001 (eft, 2024-01-15): first milestone 2024-06-14 (4 whole months), positive exit
    # 2025-01-31 (12 months).
    got = dict(
        (m, (size, milestone, positive))
        for m, size, milestone, positive in rows(
            db,
            """select months_since_entry, cohort_size, with_first_milestone, with_positive_exit
               from agg_entry_cohorts
               where centre_id = 'C001' and filiere = 'eft' and entry_year = 2024""",
        )
    )
    assert sorted(got) == list(range(37))
    assert got[3] == (1, 0, 0)
    assert got[4] == (1, 1, 0)
    assert got[11] == (1, 1, 0)
    assert got[12] == (1, 1, 1)


def test_every_aggregate_keeps_the_filter_dimensions(db):
    for table in (
        "agg_centre_month",
        "agg_entry_cohorts",
        "agg_cohort_state_spells",
        "agg_transitions",
    ):
        columns = {c for (c,) in rows(
            db,
            "select column_name from information_schema.columns where table_name = ?",
            table,
        )}  # fmt: skip
        assert {"centre_id", "filiere"} <= columns, table
