"""The shared filters agree with each other and every section follows them: a period that
cannot be inverted, centre and filière lists that follow the federation and province chosen,
the chiffres clés year within the period, headings that say whose figures they are, and tables
a person reads in Belgian French."""

from __future__ import annotations

import pytest
from conftest import app_as

from tests.page_helpers import alignments, shown

T = "\u202f"


@pytest.fixture(autouse=True)
def _warehouse(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(dashboard_warehouse.root))


def sidebar_keys(at) -> list[str]:
    return [s.key for s in at.sidebar.selectbox]


def options(at, key: str) -> list[str]:
    return list(at.sidebar.selectbox(key=key).options)


def years_in_url(at) -> str:
    value = at.query_params["annees"]
    return value[0] if isinstance(value, list) else value


def headings(at) -> list[str]:
    return [h.value for h in at.subheader]


# --- the period ------------------------------------------------------------------------------


def test_the_period_cannot_be_inverted():
    at = app_as("admin@parcours.be")
    assert (at.sidebar.selectbox(key="flt_y0").value, at.sidebar.selectbox(key="flt_y1").value) == (
        2024,
        2024,
    )
    at = at.sidebar.selectbox(key="flt_y0").set_value(2023).run()
    assert options(at, "flt_y1") == ["2023", "2024"]
    assert years_in_url(at) == "2023-2024"
    at = at.sidebar.selectbox(key="flt_y1").set_value(2023).run()
    assert years_in_url(at) == "2023-2023"
    # « De » moved past « À »: « À » follows, the period is 2024 (never 2023–2024).
    at = at.sidebar.selectbox(key="flt_y0").set_value(2024).run()
    assert options(at, "flt_y1") == ["2024"]
    assert at.sidebar.selectbox(key="flt_y1").value == 2024
    assert years_in_url(at) == "2024-2024"
    assert "La période 2024" in headings(at)


def test_a_shared_url_with_an_inverted_period_reads_in_order(dashboard_warehouse):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT, dashboard_user

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = dashboard_user("admin@parcours.be")
    at.query_params["annees"] = "2024-2023"
    at.run()
    assert (at.sidebar.selectbox(key="flt_y0").value, at.sidebar.selectbox(key="flt_y1").value) == (
        2023,
        2024,
    )


# --- federation, province, centre, filière ---------------------------------------------------


def test_centres_and_filieres_follow_the_federation_and_province():
    at = app_as("admin@parcours.be")
    assert len(options(at, "flt_centre")) == 4  # « Tous » and the three centres
    at = at.sidebar.selectbox(key="flt_fed").set_value("ACFI").run()
    assert options(at, "flt_prov") == ["Toutes", "Liège", "Namur"]
    assert options(at, "flt_centre") == [
        "Tous",
        "Atelier du Confluent (CISP-NAM)",
        "Le Perron (CISP-LIE)",
    ]
    at = at.sidebar.selectbox(key="flt_prov").set_value("Liège").run()
    # One centre left: nothing to choose; its only filière is offered.
    assert "flt_centre" not in sidebar_keys(at)
    assert options(at, "flt_filiere") == ["Toutes", "DéFI"]
    # A federation with one centre in one province: neither is offered.
    at = at.sidebar.selectbox(key="flt_fed").set_value("AID").run()
    assert "flt_prov" not in sidebar_keys(at) and "flt_centre" not in sidebar_keys(at)
    assert options(at, "flt_filiere") == ["Toutes", "EFT"]
    assert "province" not in at.query_params


def test_a_centre_of_another_federation_is_reset_visibly():
    at = app_as("admin@parcours.be")
    at = at.sidebar.selectbox(key="flt_centre").set_value("CISP-HAI").run()
    assert at.query_params["centre"] in ("CISP-HAI", ["CISP-HAI"])
    at = at.sidebar.selectbox(key="flt_fed").set_value("ACFI").run()
    assert at.sidebar.selectbox(key="flt_centre").value == ""  # « Tous »
    assert "centre" not in at.query_params
    assert not at.exception


# --- chiffres clés ----------------------------------------------------------------------------


def test_the_chiffres_cles_year_is_chosen_within_the_period():
    at = app_as("admin@parcours.be")
    assert not [s for s in at.selectbox if s.label == "Année des chiffres clés"]
    assert any("Chiffres de l'année 2024" in c.value for c in at.caption)
    at = at.sidebar.selectbox(key="flt_y0").set_value(2023).run()
    (year,) = [s for s in at.selectbox if s.label == "Année des chiffres clés"]
    assert list(year.options) == ["2023", "2024"] and year.value == 2024
    year.set_value(2023).run()
    assert any("terminé en 2023" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("email", "heading"),
    [
        ("interfede@federation.be", "Chiffres clés de l'Interfédé"),
        ("analyste@parcours.be", "Chiffres clés de l'Interfédé"),
        ("admin@parcours.be", "Chiffres clés de l'Interfédé"),
        ("acfi@federation.be", "Chiffres clés — ACFI"),
        ("nam@centre.be", "Chiffres clés — Atelier du Confluent"),
    ],
)
def test_the_key_figures_heading_says_whose_figures_they_are(email, heading):
    assert heading in headings(app_as(email))


def test_the_heading_follows_the_filters():
    at = app_as("admin@parcours.be").sidebar.selectbox(key="flt_fed").set_value("ACFI").run()
    assert "Chiffres clés — ACFI" in headings(at)
    at = at.sidebar.selectbox(key="flt_prov").set_value("Namur").run()
    assert "Chiffres clés — ACFI (province : Namur)" in headings(at)
    at = at.sidebar.selectbox(key="flt_fed").set_value("").run()
    at = at.sidebar.selectbox(key="flt_prov").set_value("").run()
    at = at.sidebar.selectbox(key="flt_centre").set_value("CISP-LIE").run()
    assert "Chiffres clés — Le Perron" in headings(at)


# --- tables ----------------------------------------------------------------------------------


def test_tables_read_in_belgian_french_with_masked_counts_aligned():
    at = app_as("acfi@federation.be", "pages/freins.py")
    element = next(df for df in at.dataframe if df.value.columns[0] == "Frein")
    table = shown(element).set_index("Frein")
    assert table.loc["Logement", "Épisodes"] == "< 5"
    assert table.loc["Mobilité", "Rechutes"] == "0"
    # Outside a centre's own data a missing share is a masked one, and says so.
    assert table.loc["Mobilité", "Taux de levée"] == "masqué"
    align = alignments(element)
    for column in ("Épisodes", "Stagiaires concernés", "Taux de levée", "Rechutes"):
        assert align[column] == "right", column
    assert align.get("Frein") is None


def test_hours_and_shares_in_belgian_french():
    at = app_as("admin@parcours.be")
    element = next(df for df in at.dataframe if df.value.columns[0] == "Indicateur")
    table = shown(element).set_index("Indicateur")
    assert table.loc["Heures de formation", "2024"] == f"1{T}200"
    assert table.loc["Avec une étape franchie", "Part 2024"] == f"53,3{T}%"
    # 2023 is not comparable (coverage): its shares are in the year-by-year table.
    years = next(df for df in at.dataframe if df.value.columns[0] == "Année")
    by_year = shown(years).set_index("Année")
    assert by_year.loc["2023", "Sorties positives (%)"] == f"0,0{T}%"
    assert by_year.loc["2024", "Heures"] == f"1{T}200"
