"""The Qualité des données page (AppTest on the dashboard fixture warehouse)."""

import pytest

from tests.conftest import app_as
from tests.page_helpers import page_as

PAGE = "pages/qualite.py"


def table_with(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.fixture(scope="module")
def nam(dashboard_warehouse):
    at = app_as("nam@centre.be", PAGE)
    assert not at.exception
    return at


def test_completeness_numbers_of_a_centre(nam):
    table = table_with(nam, "Stagiaires actifs")
    rows = table.set_index("Mois").loc[
        ["janvier 2024", "février 2024", "mars 2024", "avril 2024", "mai 2024"]
    ]
    # fixtures/dashboard/NAM by hand: active = entered by the month's end and not exited before
    # its start; with hours = hours.csv rows of that month. N06 has no exit and nothing after
    # March 2024 while NAM's data run to June 2025 (N03's follow-up): a presumed exit
    # (INTERFACES §3 v1.2), in training up to March only — so April and May count 5, not 6.
    assert rows["Stagiaires actifs"].tolist() == [3, 5, 6, 5, 5]
    assert rows["Stagiaires avec heures"].tolist() == [2, 3, 4, 1, 1]
    assert rows["Part avec heures"].tolist() == [
        "67\u202f%",
        "60\u202f%",
        "67\u202f%",
        "20\u202f%",
        "20\u202f%",
    ]
    # The window starts at the first month with an active trainee (N01 entered in February 2023).
    assert table["Mois"].iloc[0] == "février 2023"


def test_months_covered_and_last_uploads(nam):
    covered = table_with(nam, "Mois avec heures")
    assert covered.to_dict("records") == [
        {
            "Centre": "Atelier du Confluent",
            "Premier mois": "mars 2023",
            "Dernier mois": "mai 2024",
            "Mois avec heures": 8,
            "Mois manquants entre les deux": 7,
        }
    ]
    uploads = table_with(nam, "Stagiaires")
    assert uploads["Centre"].tolist() == ["Atelier du Confluent"]  # its own centre only
    assert "—" not in uploads.iloc[0].tolist()  # every kind was sent


def test_every_table_can_be_downloaded(nam):
    assert len(nam.dataframe) == len([e for e in nam.main if type(e).__name__ == "DownloadButton"])


def test_analyst_sees_every_centre_but_no_trainee_counts(dashboard_warehouse):
    at = app_as("analyste@parcours.be", PAGE)
    assert not at.exception
    completeness = table_with(at, "mai 2024")
    assert set(completeness["Centre"]) == {"Atelier du Confluent", "Le Perron", "Hainaut Avenir"}
    assert all("Stagiaires" not in c for c in completeness.columns)
    assert all("Stagiaire" not in df.value.columns for df in at.dataframe)
    # Narrowing to one centre narrows every table; counts stay hidden outside one's own centre.
    at.selectbox[0].select("CISP-LIE").run()
    assert set(table_with(at, "Mois avec heures")["Centre"]) == {"Le Perron"}
    assert "Stagiaires actifs" not in table_with(at, "avril 2024").columns


def test_federation_is_not_offered_the_page(dashboard_warehouse):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as("acfi@federation.be", PAGE)
    at = page_as("acfi@federation.be", PAGE)
    assert not at.exception and not at.dataframe


def test_nothing_before_login(dashboard_warehouse):
    from streamlit.testing.v1 import AppTest

    from parcours.store.datadir import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=60).run()
    assert not at.exception
    assert not at.dataframe
    assert [b.label for b in at.button] == ["Se connecter"]
