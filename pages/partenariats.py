"""Partenariats — partner types mobilised, what for, when in the path, by which centres, the
organisations most used, and outcomes with and without each partnership (an association)."""

import polars as pl
import streamlit as st

from parcours.analytics import partnerships
from parcours.dashboard import benchmark, ui
from parcours.figures import partenariats as figures
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Partenariats")
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def show_types(data: dict) -> None:
    if data["types"].is_empty():
        st.subheader(figures.TYPES.title)
        ui.empty_state(
            f"Aucun partenariat commencé en {YEARS} pour cette sélection.",
            "Téléversez le fichier des partenariats de votre centre ou élargissez les filtres.",
        )
        st.stop()
    ui.show_figure(figures.TYPES, data["types"], years=YEARS)


def show_heatmap(data: dict) -> None:
    st.subheader("Qui mobilise quoi ?")
    frame = data["heatmap"]
    frame = frame.with_columns(pl.col("trainees_shown").alias("label"))
    chart = charts.heatmap(
        frame,
        "type_label",
        "centre_name",
        "trainees",
        x_title="Type de partenaire",
        y_title="Centre",
        value_title="Stagiaires concernés",
        label="label",
    )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("centre_name").alias("Centre"),
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("trainees_shown").alias("Stagiaires concernés"),
        ),
        "Stagiaires concernés par au moins un partenariat de ce type, par centre." + MASKED,
        "partenariats_centres",
        counts=["Stagiaires concernés"],
    )


def show_association(data: dict) -> None:
    st.subheader("Avec ou sans partenariat : une association, pas une cause")
    excluded = figures.excluded_note(data["association"])
    for spec in (figures.ASSOCIATION_MILESTONE, figures.ASSOCIATION_EXIT):
        st.markdown(f"**{spec.title}**")
        ui.show_figure(spec, spec.frame(data), heading=False, years=YEARS, excluded=excluded)


if ui.warehouse_ready("fct_partnerships", "dim_participants", "dim_centres", "fct_training_years"):
    # One call: everything the page shows is masked together (`partnerships.page`).
    data = ui.load(partnerships.page, scope, filters)
    with ui.guard("les types de partenaires"):
        show_types(data)
    with ui.guard("les objets des partenariats"):
        ui.show_figure(figures.PURPOSES, data["purposes"], years=YEARS)
    with ui.guard("le moment des partenariats"):
        ui.show_figure(figures.TIMING, data["timing"], years=YEARS)
    with ui.guard("la carte des partenariats"):
        show_heatmap(data)
    with ui.guard("les organismes partenaires"):
        ui.show_figure(figures.ORGANISATIONS, data["organisations"], years=YEARS)
    with ui.guard("l'association avec les résultats"):
        show_association(data)
    with ui.guard("la comparaison"):
        benchmark.show(scope, filters, ["partner_reach"], "Type de partenaire")
