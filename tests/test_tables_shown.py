"""How a table reads (presentation.tables.shown): Belgian French numbers and dates, one number
of decimals per column, masked counts « < 5 » aligned with the other numbers; and whose figures
a heading names (presentation.wording)."""

from datetime import date, datetime

import polars as pl

from parcours.presentation import tables, wording

T = "\u202f"


def read(table: pl.DataFrame, counts=(), masking=False) -> dict[str, list[str]]:
    view = tables.shown(table, counts, masking)
    return {
        name: [view.formats[name](v) if name in view.formats else v for v in view.frame[name]]
        for name in view.frame.columns
    }


def test_counts_numbers_shares_and_dates():
    table = pl.DataFrame(
        {
            "Frein": ["Mobilité", "Logement"],
            "Épisodes": [2299, None],
            "Taux de levée (%)": [32.9, None],
            "Heures": [41.5, 40.0],
            "Niveau moyen": [1.25, 2.0],
            "Année de sortie": [2024, 2023],
            "Identifié le": [date(2024, 3, 15), None],
            "Reçu le": [datetime(2024, 3, 15, 9, 5), None],
        }
    )
    shown = read(table, counts=["Épisodes"])
    assert shown["Épisodes"] == [f"2{T}299", "< 5"]
    assert shown["Taux de levée"] == [f"32,9{T}%", "—"]
    assert shown["Heures"] == ["41,5", "40,0"]  # the same decimals on every row
    assert shown["Niveau moyen"] == ["1,25", "2,00"]
    assert shown["Année de sortie"] == ["2024", "2023"]  # a year is not « 2 024 »
    assert shown["Identifié le"] == ["15/03/2024", "—"]
    assert shown["Reçu le"] == ["15/03/2024 09:05", "—"]


def test_numbers_and_masked_counts_are_aligned_right():
    table = pl.DataFrame(
        {"Centre": ["A", "B"], "Sorties": [None, 12], "Durée (s)": [f"1{T}234", "< 5"]},
        schema_overrides={"Sorties": pl.Int64},
    )
    view = tables.shown(table, ["Sorties"])
    assert view.right == ["Sorties", "Durée (s)"]


def test_a_missing_share_says_masque_where_counts_are_masked():
    table = pl.DataFrame({"Part (%)": [None, 12.5]}, schema_overrides={"Part (%)": pl.Float64})
    assert read(table, masking=True)["Part"] == ["masqué", f"12,5{T}%"]
    assert read(table)["Part"] == ["—", f"12,5{T}%"]


def test_the_heading_names_whose_figures_they_are():
    title = wording.key_figures_title
    assert title("federation", "Interfédé") == "Chiffres clés de l'Interfédé"
    assert title("analyst") == title("admin") == "Chiffres clés de l'Interfédé"
    assert title("federation", "ACFI") == "Chiffres clés — ACFI"
    assert title("centre", None, "Le Perron") == "Chiffres clés — Le Perron"
    assert title("admin", chosen_federation="AID") == "Chiffres clés — AID"
    assert title("federation", "ACFI", chosen_centre="Le Perron") == "Chiffres clés — Le Perron"
    assert (
        title("federation", "Interfédé", narrowed_to="province : Namur")
        == "Chiffres clés de l'Interfédé (province : Namur)"
    )
