"""Résultats dans le temps — intermediate victories, entry cohorts, exit destinations, situation
after exit, and from the situation at entry to the destination at exit."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import outcomes
from parcours.dashboard import benchmark, ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Résultats dans le temps")
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


COUNT_OF = {"milestone_share": "with_milestone", "positive_exit_share": "with_positive_exit"}


def show_victories(data: dict) -> None:
    st.subheader("Chaque étape est une victoire")
    frame = data["victories"]
    if frame.is_empty():
        ui.empty_state(
            f"Aucune étape franchie enregistrée en {YEARS} pour cette sélection.",
            "Téléversez le fichier des étapes franchies (« victoires ») de votre centre.",
        )
        return
    chart = None
    if ui.drawable(frame, "milestones") is not None:
        # A masked month keeps its place on the axis (an empty column), never dropped.
        chart = charts.columns(
            frame,
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
        ).configure_mark(invalid="break-paths-show-domains")
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month_label").alias("Mois"),
            pl.col("group_label").alias("Type d'étape"),
            pl.col("milestones_shown").alias("Étapes franchies"),
        ),
        "Étapes franchies (permis, stage, validation des compétences, logement stabilisé…) par "
        "mois et par type (groupe de codes.csv). L'emploi n'est pas la seule victoire." + MASKED,
        "resultats_victoires",
        counts=["Étapes franchies"],
    )


def show_cohorts(data: dict) -> None:
    st.subheader("Cohortes d'entrée")
    frame = data["cohorts"]
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
            # Masked months stay in the data (null): the line breaks there.
            if ui.drawable(frame, measure) is not None:
                ui.altair_chart(
                    charts.lines(
                        frame,
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
                            alt.Tooltip(f"{COUNT_OF[measure]}:Q", title="Stagiaires"),
                            alt.Tooltip("cohort_size:Q", title="Taille de la cohorte"),
                        ],
                    ),
                    width="stretch",
                )
    st.caption(
        "Stagiaires regroupés par année d'entrée (les cinq années jusqu'à la dernière année "
        "choisie) : à chaque mois depuis l'entrée, la part qui a "
        "déjà franchi une première étape, ou qui est déjà sortie vers l'emploi ou une formation. "
        "Un mois n'est montré que si toute la cohorte a pu être suivie aussi longtemps. Chaque "
        "part avec son nombre de stagiaires et son intervalle de confiance (Wilson, 95 %)."
        + (
            " Une cohorte de moins de 5 stagiaires n'est pas montrée ; les courbes sont données "
            f"tous les {outcomes.COHORT_STEP_MASKED} mois, et une part masquée interrompt sa "
            "courbe, marquée sur l'axe (« < 5 », ou un trait quand elles sont nombreuses)."
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
                pl.col("cohort_size_shown").alias("Taille de la cohorte"),
                pl.col("with_milestone_shown").alias("Avec une étape"),
                (pl.col("milestone_share") * 100).round(1).alias("Avec une étape (%)"),
                (pl.col("milestone_share_low") * 100).round(1).alias("Étape : IC bas (%)"),
                (pl.col("milestone_share_high") * 100).round(1).alias("Étape : IC haut (%)"),
                pl.col("with_positive_exit_shown").alias("Sortie positive"),
                (pl.col("positive_exit_share") * 100).round(1).alias("Sortie positive (%)"),
                (pl.col("positive_exit_share_low") * 100).round(1).alias("Sortie : IC bas (%)"),
                (pl.col("positive_exit_share_high") * 100).round(1).alias("Sortie : IC haut (%)"),
            ),
            "resultats_cohortes",
            counts=["Taille de la cohorte", "Avec une étape", "Sortie positive"],
        )


BREAKDOWN_KEY = "resultats_ventiler"


def show_destinations(data: dict) -> None:
    st.subheader("Où vont-ils à la sortie ?")
    by = ui.breakdown(BREAKDOWN_KEY)
    if by is not None and "destinations_by" in data:
        show_destinations_by(data["destinations_by"], by)
        return
    frame = data["destinations"]
    if frame.is_empty():
        ui.empty_state(
            f"Aucune sortie enregistrée en {YEARS} pour cette sélection.",
            "Téléversez le fichier des sorties de votre centre.",
        )
        return
    chart = None
    if ui.drawable(frame, "exits") is not None:
        chart = charts.columns(
            frame,
            "exit_year",
            "exits",
            x_title="Année de sortie",
            y_title="Sorties",
            color="destination",
            color_title="Destination",
            palette="situation.group",
        ).configure_mark(invalid="break-paths-show-domains")
    ui.show_chart(
        chart,
        frame.select(
            pl.col("exit_year").alias("Année de sortie"),
            pl.col("destination").alias("Destination"),
            pl.col("exits_shown").alias("Sorties"),
        ),
        "Sorties par année et par destination (groupe de la situation à la sortie, codes.csv)."
        + MASKED,
        "resultats_destinations",
        counts=["Sorties"],
    )


def show_after_exit(data: dict) -> None:
    st.subheader("Six et douze mois après la sortie")
    frame = data["after_exit"]
    if frame.is_empty():
        ui.empty_state(
            "Aucun suivi après la sortie pour cette sélection.",
            "Téléversez le fichier des suivis (situation observée après la sortie).",
        )
        return
    chart = None
    if ui.drawable(frame, "trainees") is not None:
        chart = charts.bar(
            frame,
            "horizon_label",
            "trainees",
            category_title="Moment",
            value_title="Stagiaires suivis",
            color="situation",
            color_title="Situation",
            palette="situation.group",
            sort=None,
        ).configure_mark(invalid="break-paths-show-domains")
    ui.show_chart(
        chart,
        frame.select(
            pl.col("horizon_label").alias("Moment"),
            pl.col("situation").alias("Situation"),
            pl.col("trainees_shown").alias("Stagiaires"),
        ),
        f"Sorties de {YEARS} : situation observée lors du suivi le plus proche de 6 mois (entre "
        "5 et 7) et de 12 mois (entre 11 et 13) après la sortie, un suivi par stagiaire." + MASKED,
        "resultats_apres_sortie",
        counts=["Stagiaires"],
    )


def show_flow(data: dict) -> None:
    st.subheader("De la situation à l'entrée à la destination à la sortie")
    frame = data["flow"]
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie en {YEARS} pour cette sélection.")
        return
    chart = None
    # The same measure for every role and every filter: the share of each situation at entry.
    if ui.drawable(frame, "share") is not None:
        chart = charts.bar(
            frame,
            "status",
            "share",
            category_title="Situation à l'entrée",
            value_title="Part des sortants",
            value_format=charts.PCT,
            color="destination",
            color_title="Destination à la sortie",
            palette="situation.group",
            tooltip=[
                alt.Tooltip("status:N", title="Situation à l'entrée"),
                alt.Tooltip("destination:N", title="Destination"),
                alt.Tooltip("share:Q", title="Part", format=charts.PCT),
                alt.Tooltip("trainees:Q", title="Sortants", format=charts.INT),
                alt.Tooltip(
                    "status_total:Q", title="Sortants de cette situation", format=charts.INT
                ),
            ],
        ).configure_mark(invalid="break-paths-show-domains")
    ui.show_chart(
        chart,
        frame.select(
            pl.col("status").alias("Situation à l'entrée"),
            pl.col("destination").alias("Destination à la sortie"),
            pl.col("trainees_shown").alias("Sortants"),
            pl.col("status_total_shown").alias("Sortants de cette situation"),
            (pl.col("share") * 100).round(1).alias("Part (%)"),
            (pl.col("share_low") * 100).round(1).alias("IC 95 % bas (%)"),
            (pl.col("share_high") * 100).round(1).alias("IC 95 % haut (%)"),
        ),
        f"Stagiaires dont la dernière sortie date de {YEARS} : leur situation à l'entrée "
        "(statut déclaré) et la destination de cette sortie. Part : au sein de chaque situation "
        "à l'entrée, avec le nombre de sortants et l'intervalle de confiance (Wilson, 95 %)."
        + MASKED,
        "resultats_flux",
        counts=["Sortants", "Sortants de cette situation"],
    )


def show_destinations_by(frame: pl.DataFrame, by: str) -> None:
    """Exits by destination, for each group of one population dimension (a column per group,
    one chart per year of exit)."""
    name = ui.BREAKDOWN_LABELS[by]
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie enregistrée en {YEARS} pour cette sélection.")
        return
    for year in frame["exit_year"].unique(maintain_order=True):
        part = frame.filter(pl.col("exit_year") == year)
        chart = None
        if ui.drawable(part, "exits") is not None:
            chart = charts.columns(
                part,
                "group",
                "exits",
                x_title=f"{name} à l'entrée",
                y_title=f"Sorties en {year}",
                color="destination",
                color_title="Destination",
                palette="situation.group",
            ).configure_mark(invalid="break-paths-show-domains")
        if chart is not None:
            ui.altair_chart(chart, width="stretch")
    ui.show_chart(
        None,
        frame.select(
            pl.col("exit_year").alias("Année de sortie"),
            pl.col("group").alias(name),
            pl.col("destination").alias("Destination"),
            pl.col("exits_shown").alias("Sorties"),
        ),
        f"Sorties par année, par {name.lower()} à l'entrée et par destination (groupe de la "
        "situation à la sortie, codes.csv) ; les groupes d'une année s'additionnent aux sorties "
        "de l'année vers chaque destination (« Aucun » pour les voir)." + MASKED,
        f"resultats_destinations_{by}",
        counts=["Sorties"],
    )


if ui.warehouse_ready("fct_milestones", "fct_exits", "fct_followups", "agg_entry_cohorts"):
    # One call: everything the page shows is masked together (`outcomes.page`).
    data = ui.load(outcomes.page, scope, filters, ui.breakdown_value(BREAKDOWN_KEY))
    with ui.guard("les étapes franchies"):
        show_victories(data)
    with ui.guard("les cohortes"):
        show_cohorts(data)
    with ui.guard("les destinations"):
        show_destinations(data)
    with ui.guard("le suivi après la sortie"):
        show_after_exit(data)
    with ui.guard("les flux"):
        show_flow(data)
    with ui.guard("la comparaison"):
        benchmark.show(scope, filters, ["exits"], "Sortants")
