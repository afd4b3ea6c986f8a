"""The demo warehouse tells paths that differ by filière and public (issue 10, item 5): built
once through the real upload and build (`run_demo`), then read with plain DuckDB SQL over the
marts — never through the generator's tables or the dashboard's analytics. Each threshold is
about half the difference the calibration sets (`parcours/demo/calibration.py`), in its
direction: DéFI paths are longer and carry more barrier work and exits to training, EFT paths
more employers and exits to a job, the young and the schooled leave more often to training or a
job, people on the CPAS's revenu d'intégration or without income carry more housing and money
barriers and stay longer; and the typical paths are several, each walked by a few trainees."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from parcours.store.datadir import DataDir
from tests import warehouse_cache

pytestmark = pytest.mark.slow

UNTIL = date(2025, 12, 31)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Twenty-four centres over four years (about 9,000 paths), built once: a read-only
    connection. Fewer would leave too few over-45s for a difference of shares to stand out of
    the noise (eight centres over three years hold about 240 of their exits); the build takes
    about as long either way."""
    dest = tmp_path_factory.mktemp("demo-warehouse") / "data"
    root, summary = warehouse_cache.demo_copy(dest, centres=24, years=4, seed=1, until=UNTIL)
    assert summary["build_status"] == "success", summary["build_message"]
    data_dir = DataDir(root)
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as conn:
        yield conn


def _by(conn, sql: str) -> dict:
    """The rows of `sql` as {first column: second column}."""
    return dict(conn.execute(sql).fetchall())


# Every exit with a known next step, with the trainee's population (the shared filters' columns).
KNOWN_EXITS = """
    select population.*, exits.destination_group, exits.positive_exit,
        exits.exit_date - participants.entry_date as days_in_centre
    from fct_exits as exits
    inner join dim_participants as participants using (centre_id, participant_id)
    inner join dim_participant_population as population using (centre_id, participant_id)
    where exits.destination_group <> 'unknown'
"""


def test_exits_lead_to_a_job_from_an_eft_and_to_training_from_a_defi(warehouse):
    employment = _by(
        warehouse,
        f"select filiere, avg((destination_group = 'employment')::int) "
        f"from ({KNOWN_EXITS}) group by filiere",
    )
    training = _by(
        warehouse,
        f"select filiere, avg((destination_group = 'training')::int) "
        f"from ({KNOWN_EXITS}) group by filiere",
    )
    assert employment["eft"] - employment["defi"] > 0.07, employment
    assert training["defi"] - training["eft"] > 0.07, training


def test_positive_exits_fall_with_age_and_rise_with_schooling(warehouse):
    by_age = _by(
        warehouse, f"select age_band, avg(positive_exit::int) from ({KNOWN_EXITS}) group by all"
    )
    assert by_age["under_25"] - by_age["45_plus"] > 0.05, by_age
    assert by_age["25_to_34"] - by_age["45_plus"] > 0.04, by_age
    by_education = _by(
        warehouse, f"select education, avg(positive_exit::int) from ({KNOWN_EXITS}) group by all"
    )
    assert by_education["cess"] - by_education["none"] > 0.06, by_education


def test_defi_paths_are_longer_and_carry_more_barrier_work(warehouse):
    # Median days in the centre up to an exit, whatever its destination.
    days = _by(
        warehouse,
        """
        select population.filiere, median(participants.exit_date - participants.entry_date)
        from dim_participants as participants
        inner join dim_participant_population as population using (centre_id, participant_id)
        where participants.exit_date is not null
        group by all
        """,
    )
    assert days["defi"] - days["eft"] > 10, days
    per_trainee = {
        filiere: (episodes, setback, social, employers)
        for filiere, episodes, setback, social, employers in warehouse.execute(
            """
            with partners as (
                select centre_id, participant_id,
                    count(*) filter (where partner_type in
                        ('cpas', 'health', 'housing', 'childcare', 'justice')) as social,
                    count(*) filter (where partner_type = 'employer') as employers
                from fct_partnerships
                group by all
            )
            select population.filiere,
                avg(participants.barrier_episodes),
                avg(participants.has_setback::int),
                avg(coalesce(partners.social, 0)),
                avg(coalesce(partners.employers, 0))
            from dim_participants as participants
            inner join dim_participant_population as population using (centre_id, participant_id)
            left join partners using (centre_id, participant_id)
            where participants.is_declared
            group by all
            """
        ).fetchall()
    }
    defi, eft = per_trainee["defi"], per_trainee["eft"]
    assert defi[0] - eft[0] > 0.4, per_trainee  # barrier episodes per trainee
    assert defi[1] > 1.4 * eft[1], per_trainee  # share with a setback
    assert defi[2] > 1.25 * eft[2], per_trainee  # social partners (CPAS, health, housing…)
    assert eft[3] > 2 * defi[3], per_trainee  # employers (internships, hiring)


def test_cpas_and_no_income_publics_carry_housing_and_money_barriers_and_stay_longer(warehouse):
    # Publics: on the revenu d'intégration or without income, against the job seekers (with or
    # without unemployment benefit).
    public = """
        case when population.status_at_entry in ('ris', 'no_income') then 'far'
             when population.status_at_entry in ('dei', 'unemployment_benefit') then 'near'
        end
    """
    barriers = {
        (group, barrier): share
        for group, barrier, share in warehouse.execute(
            f"""
            with present as (
                select distinct centre_id, participant_id, barrier from fct_barrier_episodes
            ),
            trainees as (
                select {public} as public, centre_id, participant_id
                from dim_participant_population as population
            )
            select trainees.public, codes.barrier,
                count(present.barrier) / count(*)
            from trainees
            cross join (values ('housing'), ('finances'), ('administrative')) as codes(barrier)
            left join present
                on present.centre_id = trainees.centre_id
                and present.participant_id = trainees.participant_id
                and present.barrier = codes.barrier
            where trainees.public is not null
            group by all
            """
        ).fetchall()
    }
    assert barriers["far", "housing"] > 1.25 * barriers["near", "housing"], barriers
    assert barriers["far", "finances"] > 1.15 * barriers["near", "finances"], barriers
    assert barriers["far", "administrative"] > 1.15 * barriers["near", "administrative"]
    days = _by(
        warehouse,
        f"""
        select {public}, median(participants.exit_date - participants.entry_date)
        from dim_participants as participants
        inner join dim_participant_population as population using (centre_id, participant_id)
        where participants.exit_date is not null
        group by all
        """,
    )
    assert days["far"] - days["near"] > 10, days


def test_chronograms_differ_by_filiere_and_age(warehouse):
    def shares(by: str, month: int, states: tuple[str, ...]) -> dict:
        listed = ", ".join(f"'{s}'" for s in states)
        return _by(
            warehouse,
            f"""
            select population.{by}, avg((months.state in ({listed}))::int)
            from fct_participant_months as months
            inner join dim_participant_population as population using (centre_id, participant_id)
            where months.months_since_entry = {month}
            group by all
            """,
        )

    # A year after entry: more EFT trainees in a job, more DéFI trainees in training.
    employment = shares("filiere", 12, ("employment",))
    assert employment["eft"] - employment["defi"] > 0.04, employment
    training = shares("filiere", 12, ("training",))
    assert training["defi"] - training["eft"] > 0.03, training
    # A year and a half after entry, the young are more often in training or a job.
    positive = shares("age_band", 18, ("employment", "training"))
    assert positive["under_25"] - positive["45_plus"] > 0.05, positive


def test_the_typical_paths_are_several_and_differ_by_filiere(warehouse):
    sizes = _by(warehouse, "select path_type, sum(trainees) from agg_path_types group by all")
    assert len(sizes) > 1 and min(sizes.values()) >= 5, sizes
    # Each type's representative path ends (its last observed month) in a state; a type ending
    # in a job holds more EFT trainees than a type ending in training.
    eft_share_by_end = warehouse.execute(
        """
        with ends as (
            select path_type, arg_max(state, months_since_entry) as last_state
            from agg_path_type_sequences
            where state <> 'not_observed'
            group by all
        )
        select ends.last_state,
            sum(types.trainees) filter (where types.filiere = 'eft')
                / sum(types.trainees) filter (where types.filiere in ('eft', 'defi'))
        from agg_path_types as types
        inner join ends using (path_type)
        group by all
        """
    ).fetchall()
    by_end = dict(eft_share_by_end)
    assert {"employment", "training"} <= by_end.keys(), by_end
    assert by_end["employment"] - by_end["training"] > 0.05, by_end
