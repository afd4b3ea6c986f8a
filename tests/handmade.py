"""A tiny warehouse and operational store written by hand, for the page data functions.

The warehouse holds the INTERFACES.md §3 tables with the records of the contract's canonical
example (centre C1, whose barrier episodes are the worked example of examples/README.md) plus a
second centre C2 that reuses the participant id E-001 (ids are only unique within a centre).
Its numbers are small enough to be computed by hand in the tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import yaml

from parcours.store import opstore
from parcours.store.datadir import TRANSFORM_DIR

WAREHOUSE_SQL = """
create table dim_centres as select * from (values
    ('C1', 'Centre Un', 'ALEAP', 'Liège'),
    ('C2', 'Centre Deux', 'ACFI', 'Namur')
) t(centre_id, centre_name, federation, province);

create table dim_participants as select * from (values
    ('C1', 'E-001', 'pk1', date '2024-01-15', 2024, 1990, 'F', 'ceb', 4020, 'Liège', 'eft',
     'cpas', 'ris', date '2025-01-31', 'employment_fixed', true),
    ('C1', 'E-002', null, date '2024-02-05', 2024, 1978, 'M', 'foreign', 6000, 'Hainaut', 'defi',
     'forem', 'dei', null, null, null),
    ('C1', 'E-003', null, date '2024-03-11', 2024, 2001, 'X', 'ce1d', 5000, 'Namur',
     'orientation', 'self', 'no_income', date '2024-07-12', 'qualifying_training', true),
    ('C2', 'E-001', 'pk9', date '2024-01-02', 2024, 1985, 'M', 'none', 5000, 'Namur', 'eft',
     'forem', 'dei', null, null, null)
) t(centre_id, participant_id, person_key, entry_date, entry_year, birth_year, gender,
    education, postal_code, province, filiere, referral, status_at_entry, exit_date,
    destination, positive_exit);
-- The presumed exit (INTERFACES §3 v1.2) as the build decides it: C1's last month is July 2025
-- (E-001's follow-up); E-002, without exit, was last active on 1 June 2024 (an assessment), 13
-- months before: presumed. C2's E-001 was active up to its centre's last month (May 2024).
alter table dim_participants add column presumed_exit boolean default false;
alter table dim_participants add column latest_activity_on date;
update dim_participants set presumed_exit = true, latest_activity_on = date '2024-06-01'
where centre_id = 'C1' and participant_id = 'E-002';
update dim_participants set latest_activity_on = date '2024-05-01'
where centre_id = 'C2' and participant_id = 'E-001';

create table fct_barrier_episodes as select * from (values
    ('C1', 'E-001', 'mobility', 1, date '2024-01-15', 3, date '2024-09-02', 231),
    ('C1', 'E-001', 'self_esteem', 1, date '2024-01-15', 2, date '2024-09-02', 231),
    ('C1', 'E-001', 'self_esteem', 2, date '2025-01-10', 1, null, null),
    ('C1', 'E-002', 'housing', 1, date '2024-02-05', 3, null, null),
    ('C2', 'E-001', 'physical_health', 1, date '2024-01-02', 2, null, null)
) t(centre_id, participant_id, barrier, episode_number, identified_on, initial_level,
    lifted_on, days_to_lift);

create table fct_partnerships as select * from (values
    ('C1', 'E-001', 'driving_school', 'Auto-école du Centre', 'social_support',
     date '2024-04-02', date '2024-08-30', 'completed'),
    ('C1', 'E-001', 'employer', 'Brasserie "Le Relais", Liège', 'internship',
     date '2024-10-07', date '2024-11-08', 'completed'),
    ('C1', 'E-002', 'cpas', 'CPAS de Charleroi', 'social_support',
     date '2024-03-01', null, 'ongoing')
) t(centre_id, participant_id, partner_type, partner_name, purpose, started_on, ended_on,
    result);

create table fct_milestones as select * from (values
    ('C1', 'E-001', 'driving_theory', date '2024-06-14', 151),
    ('C1', 'E-001', 'driving_licence', date '2024-08-30', 228),
    ('C1', 'E-001', 'first_internship', date '2024-11-08', 298)
) t(centre_id, participant_id, milestone, achieved_on, days_since_entry);

create table fct_exits as select * from (values
    ('C1', 'E-001', date '2025-01-31', 'job', 'employment_fixed', true),
    ('C1', 'E-003', date '2024-07-12', 'training', 'qualifying_training', true)
) t(centre_id, participant_id, exit_date, reason, destination, positive_exit);

create table fct_followups as select * from (values
    ('C1', 'E-001', date '2025-07-31', 'employment_permanent', 6),
    ('C1', 'E-003', date '2025-01-12', 'qualifying_training', 6)
) t(centre_id, participant_id, observed_on, situation, months_after_exit);

create table rpt_data_quality_issues as select * from (values
    ('C1', 'event_before_entry', 'E-003', date '2024-02-01', '1 événement(s) avant l''entrée'),
    ('C2', 'exit_before_entry', 'E-001', date '2023-12-01', 'Sortie avant l''entrée'),
    ('C2', 'undeclared_participant', 'E-777', date '2024-01-01', 'Stagiaire absent')
) t(centre_id, rule, participant_id, event_on, detail);

-- participants_in_training as the warehouse defines it (entered by the month's end, not exited
-- before its start), per centre, filière and month.
create table agg_centre_month as select * from (values
    ('C1', 'eft', date '2024-01-01', 1),
    ('C1', 'eft', date '2024-02-01', 1),
    ('C1', 'defi', date '2024-02-01', 1),
    ('C1', 'eft', date '2024-03-01', 1),
    ('C1', 'defi', date '2024-03-01', 1),
    ('C1', 'orientation', date '2024-03-01', 1),
    ('C1', 'eft', date '2024-04-01', 1),
    ('C1', 'defi', date '2024-04-01', 1),
    ('C1', 'orientation', date '2024-04-01', 1),
    ('C2', 'eft', date '2024-01-01', 1),
    ('C2', 'eft', date '2024-02-01', 1),
    ('C2', 'eft', date '2024-03-01', 1),
    ('C2', 'eft', date '2024-04-01', 1),
    ('C2', 'eft', date '2024-05-01', 1)
) t(centre_id, filiere, month, participants_in_training);

create table fct_hours as select centre_id, participant_id, month, hours::double as hours
from (values
    ('C1', 'E-001', date '2024-01-01', 64),
    ('C1', 'E-001', date '2024-02-01', 88.5),
    ('C1', 'E-002', date '2024-02-01', 40),
    ('C1', 'E-002', date '2024-03-01', 72.25),
    ('C1', 'E-003', date '2024-04-01', 230),
    ('C2', 'E-001', date '2024-01-01', 20),
    ('C2', 'E-001', date '2024-02-01', 22),
    ('C2', 'E-001', date '2024-03-01', 18),
    ('C2', 'E-001', date '2024-04-01', 21),
    ('C2', 'E-001', date '2024-05-01', 150)
) t(centre_id, participant_id, month, hours);
"""


# The records the path report is built from (int_participant_paths), as the intermediate models
# hold them, over the tables above; temporary: only the built report stays in the warehouse. The
# assessments are stated here (fct_barrier_episodes keeps only the dates of its episodes).
PATH_INPUTS_SQL = """
create temp table int_participants_latest as
select centre_id, participant_id, entry_date as entry_on, filiere, null::varchar as training_area
from dim_participants;

create temp table int_barriers_latest as select * from (values
    ('C1', 'E-001', date '2024-01-15', 'mobility', 3),
    ('C1', 'E-001', date '2024-01-15', 'self_esteem', 2),
    ('C1', 'E-001', date '2024-05-20', 'mobility', 1),
    ('C1', 'E-001', date '2024-09-02', 'mobility', 0),
    ('C1', 'E-001', date '2024-09-02', 'self_esteem', 0),
    ('C1', 'E-001', date '2025-01-10', 'self_esteem', 1),
    ('C1', 'E-002', date '2024-02-05', 'housing', 3),
    ('C1', 'E-002', date '2024-06-01', 'housing', 2)
) t(centre_id, participant_id, assessed_on, barrier, level);

create temp table int_barrier_assessments_to_episodes as select * from fct_barrier_episodes;
create temp table int_partnerships_latest as select * from fct_partnerships;
create temp table int_milestones_latest as
select centre_id, participant_id, milestone, achieved_on, null::varchar as detail
from fct_milestones;
create temp table int_exits_latest as
select centre_id, participant_id, exit_date as exit_on, destination, reason from fct_exits;
create temp table int_followups_latest as
select centre_id, participant_id, observed_on, situation from fct_followups;
create temp table int_hours_latest as
select centre_id, participant_id, month as month_on, hours from fct_hours;
"""


def dbt_model_sql(model: str) -> str:
    """A model's SQL as dbt renders it for these hand-made tables: ref() → the table,
    var() → dbt_project.yml. So the tests run the build's own definition on rows stated by hand."""
    variables = yaml.safe_load((TRANSFORM_DIR / "dbt_project.yml").read_text())["vars"]
    (path,) = (TRANSFORM_DIR / "models").rglob(f"{model}.sql")
    sql = path.read_text()
    sql = re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", r"\1", sql)
    # As in a from-scratch build: no filter on the changed centres (macros/changed_centres.sql).
    sql = re.sub(r"\{\{\s*only_changed_centres\([^)]*\)\s*\}\}", "", sql)
    return re.sub(r"\{\{\s*var\('(\w+)'\)\s*\}\}", lambda m: str(variables[m[1]]), sql)


def make_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute(WAREHOUSE_SQL)
    con.execute(f"create table rpt_hours_outliers as {dbt_model_sql('rpt_hours_outliers')}")
    # The path report as the build makes it: a table of events and a view over it.
    con.execute(PATH_INPUTS_SQL)
    con.execute(f"create table int_participant_paths as {dbt_model_sql('int_participant_paths')}")
    con.execute(f"create view rpt_participant_paths as {dbt_model_sql('rpt_participant_paths')}")
    con.close()
    return path


def _batch(conn, seq, centre, kind, received_at, withdrawn=False, stored=10, quarantined=0):
    batch_id = f"b{seq:03d}"
    conn.execute(
        "insert into batches (batch_id, seq, precedence, centre_id, kind, file_name, sha256, "
        "received_at, received_by, rows_read, rows_stored, rows_quarantined, withdrawn_at, "
        "withdrawn_by, replay_of) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            batch_id,
            seq,
            seq,
            centre,
            kind,
            f"{kind}-{seq}.csv",
            f"sha{seq}",
            received_at,
            "someone@example.be",
            stored + quarantined,
            stored,
            quarantined,
            "2024-06-01T00:00:00+00:00" if withdrawn else None,
            "someone@example.be" if withdrawn else None,
            None,
        ),
    )
    return batch_id


def _quarantine(conn, batch_id, row, centre, kind, message, resolved_by=None):
    errors = [{"row": row, "column": "hours", "value": "x", "message": message}]
    conn.execute(
        "insert into quarantine values (?,?,?,?,?,?,?)",
        (batch_id, row, centre, kind, "{}", json.dumps(errors), resolved_by),
    )


def make_opstore(path: Path) -> Path:
    """C1: participants twice (the later one withdrawn), hours once with 3 quarantined rows of
    which 1 was replayed; C2: participants once and a withdrawn hours batch whose quarantined
    row must not count."""
    conn = opstore.connect(path)
    for centre, name, fed in (("C1", "Centre Un", "ALEAP"), ("C2", "Centre Deux", "ACFI")):
        conn.execute(
            "insert into centres values (?,?,?,?,?)",
            (centre, name, fed, 4000, "2024-01-01T00:00:00+00:00"),
        )
    _batch(conn, 1, "C1", "participants", "2024-03-01T10:00:00+00:00")
    _batch(conn, 2, "C1", "participants", "2024-05-01T10:00:00+00:00", withdrawn=True)
    hours = _batch(conn, 3, "C1", "hours", "2024-04-15T10:00:00+00:00", stored=5, quarantined=3)
    replay = _batch(conn, 4, "C1", "hours", "2024-04-20T10:00:00+00:00", stored=1)
    _batch(conn, 5, "C2", "participants", "2024-02-01T10:00:00+00:00")
    gone = _batch(conn, 6, "C2", "hours", "2024-02-02T10:00:00+00:00", withdrawn=True)
    _quarantine(conn, hours, 2, "C1", "hours", "« hours » : nombre attendu")
    _quarantine(conn, hours, 5, "C1", "hours", "« hours » : nombre attendu")
    _quarantine(conn, hours, 7, "C1", "hours", "« month » : mois attendu", resolved_by=replay)
    _quarantine(conn, gone, 1, "C2", "hours", "« hours » : nombre attendu")
    conn.execute(
        "insert into builds values (?,?,?,?,?,?)",
        (
            "build1",
            "2024-06-01T10:00:00+00:00",
            "2024-06-01T10:01:00+00:00",
            "analyst@example.be",
            "success",
            json.dumps(
                {
                    "tests": [
                        {"name": "not_null_x", "status": "pass", "severity": "error"},
                        {
                            "name": "exit_after_entry",
                            "status": "warn",
                            "severity": "warn",
                            "failures": 2,
                        },
                    ]
                }
            ),
        ),
    )
    conn.close()
    return path
