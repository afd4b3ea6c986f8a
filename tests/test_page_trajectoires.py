"""Trajectoires: the chronogram of an entry cohort and the transitions after exit, checked
against the contract table `fct_participant_months` read directly (not the aggregates the page
reads), for a centre (its own data, unmasked) and a federation (masked)."""

import duckdb
import pytest

from tests.conftest import app_as

PAGE = "pages/trajectoires.py"


def table_with(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def oracle(data_dir, centre_ids, year):
    """(month since entry, state code) → trainees, from fct_participant_months itself."""
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as db:
        rows = db.execute(
            """
            select m.months_since_entry, m.state, count(*)
            from fct_participant_months m
            join dim_participants p using (centre_id, participant_id)
            where m.centre_id in (select unnest($centres::varchar[])) and year(p.entry_date) = $y
            group by all
            """,
            {"centres": centre_ids, "y": year},
        ).fetchall()
    return {(month, state): n for month, state, n in rows}


@pytest.fixture(scope="module")
def nam(dashboard_warehouse):
    at = app_as("nam@centre.be", PAGE)
    assert not at.exception
    return at


def test_a_centre_sees_its_cohort_month_by_month_as_the_contract_table_counts(
    nam, dashboard_warehouse
):
    from parcours.analytics.trajectories import STATES

    year = nam.selectbox[0].value
    table = table_with(nam, "Observés ce mois")
    expected = oracle(dashboard_warehouse, ["CISP-NAM"], year)
    labels = {label: code for code, label in STATES.items()}
    shown = {
        (int(r["Mois depuis l'entrée"]), labels[r["Situation"]]): int(
            str(r["Stagiaires"]).replace("\u202f", "")
        )
        for _, r in table.iterrows()
    }
    assert shown == expected
    assert expected, "the fixture has a cohort"


def test_a_federation_never_sees_a_count_under_five(dashboard_warehouse):
    at = app_as("interfede@federation.be", PAGE)
    assert not at.exception
    for frame in at.dataframe:
        for column in ("Stagiaires", "Observés ce mois"):
            if column in frame.value.columns:
                for cell in frame.value[column]:
                    text = str(cell).replace("\u202f", "")
                    # A masked count is null (drawn « < 5 »), any other is 0 (it discloses no
                    # one) or at least 5.
                    assert text in ("< 5", "masqué", "None", "nan", "<NA>") or (
                        float(text) == 0 or float(text) >= 5
                    ), text
