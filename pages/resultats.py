"""Résultats dans le temps — intermediate victories, entry cohorts, exit destinations, situation
after exit, and from the situation at entry to the destination at exit."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import outcomes
from parcours.dashboard import ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Résultats dans le temps")
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def show_victories() -> None:
    st.subheader("Chaque étape est une victoire")
    frame = ui.load(outcomes.victories_by_month, scope, filters)
    if frame.is_empty():
        ui.empty_state(
            f"Aucune étape franchie enregistrée en {YEARS} pour cette sélection.",
            "Téléversez le fichier des étapes franchies (« victoires ») de votre centre.",
        )
        return
    data = ui.drawable(frame, "milestones")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
            "month",
            "milestones",
            x_title="Mois",
            y_title="Étapes franchies",
            color="group_label",
            color_title="Type d'étape",
            palette="milestone.group",
            x_type="T",
            tooltip=[
                alt.Tooltip("month_label:N", title="Mois"),
                alt.Tooltip("milestones:Q", title="Étapes franchies", format=charts.INT),
            ],
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month_label").alias("Mois"),
            pl.col("group_label").alias("Type d'étape"),
            pl.col("milestones").alias("Étapes franchies"),
        ),
        "Étapes franchies (permis, stage, validation des compétences, logement stabilisé…) par "
        "mois et par type (groupe de codes.csv). L'emploi n'est pas la seule victoire." + MASKED,
        "resultats_victoires",
        counts=["Étapes franchies"],
    )


def show_cohorts() -> None:
    st.subheader("Cohortes d'entrée")
    frame = ui.load(outcomes.cohort_curves, scope, filters)
    if frame.is_empty():
        ui.empty_state("Aucune cohorte d'entrée assez grande à afficher pour cette sélection.")
        return
    left, right = st.columns(2)
    for column, measure, title in (
        (left, "milestone_share", "Part avec une première étape franchie"),
        (right, "positive_exit_share", "Part avec une sortie positive"),
    ):
        with column:
            st.markdown(f"**{title}**")
            data = ui.drawable(frame, measure)
            if data is not None:
                ui.altair_chart(
                    charts.lines(
                        data,
                        "months_since_entry",
                        measure,
                        x_title="Mois depuis l'entrée",
                        y_title=title,
                        color="cohort",
                        color_title="Année d'entrée",
                        palette="year",
                        y_format=charts.PCT,
                        points=True,
                        y_domain=(0, 1),
                        tooltip=[
                            alt.Tooltip("cohort:N", title="Année d'entrée"),
                            alt.Tooltip("months_since_entry:Q", title="Mois depuis l'entrée"),
                            alt.Tooltip(f"{measure}:Q", title=title, format=charts.PCT),
                            alt.Tooltip("cohort_size:Q", title="Taille de la cohorte"),
                        ],
                    ),
                    width="stretch",
                )
    st.caption(
        "Stagiaires regroupés par année d'entrée (les cinq années jusqu'à la dernière année "
        "choisie) : à chaque mois depuis l'entrée, la part qui a "
        "déjà franchi une première étape, ou qui est déjà sortie vers l'emploi ou une formation. "
        "Un mois n'est montré que si toute la cohorte a pu être suivie aussi longtemps."
        + (
            " Une cohorte de moins de 5 stagiaires n'est pas montrée ; une part masquée "
            "interrompt sa courbe, marquée sur l'axe (« < 5 », ou un trait quand elles sont "
            "nombreuses)."
            if scope.mask_small_counts
            else ""
        )  # fmt: skip
        + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            frame.select(
                pl.col("cohort").alias("Année d'entrée"),
                pl.col("months_since_entry").alias("Mois depuis l'entrée"),
                pl.col("cohort_size").alias("Taille de la cohorte"),
                (pl.col("milestone_share") * 100).round(1).alias("Avec une étape (%)"),
                (pl.col("positive_exit_share") * 100).round(1).alias("Sortie positive (%)"),
            ),
            "resultats_cohortes",
            counts=["Taille de la cohorte"],
        )


def show_destinations() -> None:
    st.subheader("Où vont-ils à la sortie ?")
    frame = ui.load(outcomes.destinations_by_year, scope, filters)
    if frame.is_empty():
        ui.empty_state(
            f"Aucune sortie enregistrée en {YEARS} pour cette sélection.",
            "Téléversez le fichier des sorties de votre centre.",
        )
        return
    data = ui.drawable(frame, "exits")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
            "exit_year",
            "exits",
            x_title="Année de sortie",
            y_title="Sorties",
            color="destination",
            color_title="Destination",
            palette="situation.group",
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("exit_year").alias("Année de sortie"),
            pl.col("destination").alias("Destination"),
            pl.col("exits").alias("Sorties"),
        ),
        "Sorties par année et par destination (groupe de la situation à la sortie, codes.csv)."
        + MASKED,
        "resultats_destinations",
        counts=["Sorties"],
    )


def show_after_exit() -> None:
    st.subheader("Six et douze mois après la sortie")
    frame = ui.load(outcomes.after_exit, scope, filters)
    if frame.is_empty():
        ui.empty_state(
            "Aucun suivi après la sortie pour cette sélection.",
            "Téléversez le fichier des suivis (situation observée après la sortie).",
        )
        return
    data = ui.drawable(frame, "trainees")
    chart = None
    if data is not None:
        chart = charts.bar(
            data,
            "horizon_label",
            "trainees",
            category_title="Moment",
            value_title="Stagiaires suivis",
            color="situation",
            color_title="Situation",
            palette="situation.group",
            sort=None,
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("horizon_label").alias("Moment"),
            pl.col("situation").alias("Situation"),
            pl.col("trainees").alias("Stagiaires"),
        ),
        f"Sorties de {YEARS} : situation observée lors du suivi le plus proche de 6 mois (entre "
        "5 et 7) et de 12 mois (entre 11 et 13) après la sortie, un suivi par stagiaire." + MASKED,
        "resultats_apres_sortie",
        counts=["Stagiaires"],
    )


MEASURES = {
    "count": "Nombre de sortants",
    "share": "Part au sein de chaque situation à l'entrée",
}


def choose_measure() -> str:
    """The flow chart's measure, chosen by the reader (the same default for every role)."""
    if scope.mask_small_counts:
        # Shares next to masked counts would give them back: counts only.
        st.caption(
            "Mesure : nombre de sortants. Hors des données de votre centre, les parts ne sont "
            "pas montrées : avec le total, elles permettraient de retrouver les effectifs masqués."
        )
        return "count"
    return st.radio(
        "Mesure", list(MEASURES), format_func=MEASURES.get, horizontal=True, key="flow_measure"
    )


def show_flow() -> None:
    st.subheader("De la situation à l'entrée à la destination à la sortie")
    frame = ui.load(outcomes.flow, scope, filters)
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie en {YEARS} pour cette sélection.")
        return
    measure = choose_measure()
    normalised = measure == "share"
    data = ui.drawable(frame, "trainees")
    chart = None
    if data is not None:
        chart = charts.bar(
            data.with_columns(pl.col("trainees").cast(pl.Float64)),
            "status",
            "share" if normalised else "trainees",
            category_title="Situation à l'entrée",
            value_title="Part des sortants (au sein de chaque situation à l'entrée)"
            if normalised
            else "Nombre de sortants",
            value_format=charts.PCT if normalised else charts.INT,
            color="destination",
            color_title="Destination à la sortie",
            palette="situation.group",
            tooltip=[
                alt.Tooltip("status:N", title="Situation à l'entrée"),
                alt.Tooltip("destination:N", title="Destination"),
                alt.Tooltip("trainees:Q", title="Sortants", format=charts.INT),
            ]
            + ([alt.Tooltip("share:Q", title="Part", format=charts.PCT)] if normalised else []),
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("status").alias("Situation à l'entrée"),
            pl.col("destination").alias("Destination à la sortie"),
            pl.col("trainees").alias("Sortants"),
            (pl.col("share") * 100).round(1).alias("Part (%)"),
        ),
        f"Stagiaires dont la dernière sortie date de {YEARS} : leur situation à l'entrée "
        "(statut déclaré) et la destination de cette sortie. "
        + (
            "Le graphique montre la part de chaque destination au sein de chaque situation à "
            "l'entrée (chaque barre fait 100 %) ; le tableau donne aussi les nombres."
            if normalised
            else "Le graphique montre le nombre de sortants."
        )
        + MASKED,
        "resultats_flux",
        counts=["Sortants"],
    )


if ui.warehouse_ready("fct_milestones", "fct_exits", "fct_followups", "agg_entry_cohorts"):
    with ui.guard("les étapes franchies"):
        show_victories()
    with ui.guard("les cohortes"):
        show_cohorts()
    with ui.guard("les destinations"):
        show_destinations()
    with ui.guard("le suivi après la sortie"):
        show_after_exit()
    with ui.guard("les flux"):
        show_flow()
