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
    st.subheader(figures.TYPES.title)
    st.caption(f"Compté sur les {partnerships.BASES['by_type']}.")
    if data["types"].is_empty():
        ui.empty_state(
            f"Aucun partenariat commencé en {YEARS} pour cette sélection.",
            "Téléversez le fichier des partenariats de votre centre ou élargissez les filtres.",
        )
        st.stop()
    ui.show_figure(figures.TYPES, data["types"], heading=False, years=YEARS)


def show_heatmap(data: dict) -> None:
    st.subheader("Qui mobilise quoi ?")
    frame = data["heatmap"]
    frame = frame.with_columns(pl.col("trainees_shown").alias("label"))
    chart = ui.Drawing(
        ("partenariats.heatmap",),
        (frame,),
        lambda: charts.heatmap(
            frame,
            "type_label",
            "centre_name",
            "trainees",
            x_title="Type de partenaire",
            y_title="Centre",
            value_title="Stagiaires concernés",
            label="label",
        ),
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


EXCLUDED = "vrai par définition"


def show_association(data: dict) -> None:
    st.subheader("Avec ou sans partenariat : une association, pas une cause")
    st.caption(f"Compté sur les {partnerships.BASES['association']} (la base de « Se situer »).")
    frame = data["association"]
    if frame.is_empty():
        ui.empty_state("Aucun stagiaire en formation sur la période pour cette sélection.")
        return
    left, right = st.columns(2)
    specs = (figures.ASSOCIATION_MILESTONE, figures.ASSOCIATION_EXIT)
    for column, spec in zip((left, right), specs, strict=True):
        with column:
            st.markdown(f"**{figures.ASSOCIATION_MEASURES[spec.extra['measure']][0]}**")
            part = spec.frame(data)
            if spec.drawable(part):
                drawing = ui.Drawing(
                    ("figure", spec.id, spec.draw.__qualname__),
                    (part,),
                    lambda spec=spec, part=part: spec.chart(part),
                )
                ui.draw(drawing, width="stretch")
    st.caption(
        f"Association, pas causalité. Parmi les stagiaires en formation en {YEARS} : part de "
        "ceux qui ont franchi au moins une étape, et part de ceux dont la dernière sortie est "
        "positive (emploi ou formation), selon qu'ils ont eu ou non au moins un partenariat de ce "
        "type au cours de leur parcours — chaque part avec son nombre de stagiaires et son "
        "intervalle de confiance (Wilson, 95 %) : deux intervalles qui se chevauchent ne "
        "montrent pas de différence nette. C'est une association, pas une cause : les stagiaires "
        "orientés vers un partenaire ne sont pas tirés au hasard (un stage en entreprise arrive "
        "souvent en fin de parcours, quand l'emploi est déjà proche)."
        + figures.excluded_note(frame)
        + MASKED
    )

    def count_text(measure: str, column: str) -> pl.Expr:
        # A combination true by definition is not a masked count: it says so.
        return (
            pl.when(pl.col(f"{measure}_excluded"))
            .then(pl.lit(EXCLUDED))
            .otherwise(pl.col(f"{column}_shown"))
        )

    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            frame.select(
                pl.col("type_label").alias("Type de partenaire"),
                pl.col("group").alias("Groupe"),
                pl.col("trainees_shown").alias("Stagiaires"),
                count_text("milestone", "with_milestone").alias("Avec une étape franchie"),
                (pl.col("milestone_share") * 100).round(1).alias("Avec une étape franchie (%)"),
                (pl.col("milestone_share_low") * 100).round(1).alias("Étape : IC bas (%)"),
                (pl.col("milestone_share_high") * 100).round(1).alias("Étape : IC haut (%)"),
                count_text("positive_exit", "with_positive_exit").alias("Sortie positive"),
                (pl.col("positive_exit_share") * 100).round(1).alias("Sortie positive (%)"),
                (pl.col("positive_exit_share_low") * 100).round(1).alias("Sortie : IC bas (%)"),
                (pl.col("positive_exit_share_high") * 100).round(1).alias("Sortie : IC haut (%)"),
            ),
            "partenariats_association",
            counts=["Stagiaires"],
        )


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
