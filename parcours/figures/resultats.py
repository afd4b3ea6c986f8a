"""Résultats dans le temps: victories by month, entry cohorts, destinations by year of exit, the
situation after exit, from the situation at entry to the destination at exit. All read
`outcomes.page` (one masked load)."""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.analytics import outcomes
from parcours.figures.spec import Column, Figure
from parcours.presentation import charts


def _tips(*tips: alt.Tooltip, on: bool) -> list | None:
    return list(tips) if on else None


def _victories(frame: pl.DataFrame, tooltips: bool):
    # A masked month keeps its place on the axis (an empty column), never dropped.
    return charts.columns(
        frame,
        "month",
        "milestones",
        x_title="Mois",
        y_title="Étapes franchies",
        color="group_label",
        color_title="Type d'étape",
        palette="milestone.group",
        x_type="T",
        tooltip=_tips(
            alt.Tooltip("month_label:N", title="Mois"),
            alt.Tooltip("group_label:N", title="Type d'étape"),
            alt.Tooltip("milestones:Q", title="Étapes franchies", format=charts.INT),
            on=tooltips,
        ),
    ).configure_mark(invalid="break-paths-show-domains")


VICTORIES = Figure(
    id="resultats_victoires",
    title="Chaque étape est une victoire",
    definition="Étapes franchies en {years} (permis, stage, validation des compétences, logement "
    "stabilisé…) par mois et par type d'étape. L'emploi n'est pas la seule victoire.",
    source="fichiers des centres : étapes franchies",
    tables="fct_milestones, dim_participants",
    reads=outcomes.page,
    part="victories",
    value="milestones",
    draw=_victories,
    columns=(
        Column("month_label", "Mois"),
        Column("group_label", "Type d'étape"),
        Column("milestones", "Étapes franchies", "count"),
    ),
    empty="Aucune étape franchie enregistrée pour cette sélection.",
    wide=("Mois", "Type d'étape", "Étapes franchies"),
)


def _victories_by_type(frame: pl.DataFrame, tooltips: bool):
    return charts.bar(
        frame,
        "group_label",
        "milestones",
        category_title="Type d'étape",
        value_title="Étapes franchies",
        color="group_label",
        color_title="Type d'étape",
        palette="milestone.group",
        sort=None,
        tooltip=_tips(
            alt.Tooltip("group_label:N", title="Type d'étape"),
            alt.Tooltip("milestones:Q", title="Étapes franchies", format=charts.INT),
            on=tooltips,
        ),
    ).configure_mark(invalid="break-paths-show-domains")


def _per_type(frame: pl.DataFrame) -> pl.DataFrame:
    # A type with a masked month is masked as a whole: a sum of the shown months would be wrong.
    return frame.group_by("group_label", maintain_order=True).agg(
        pl.when(pl.col("milestones").is_null().any())
        .then(pl.lit(None, pl.Int64))
        .otherwise(pl.col("milestones").sum())
        .alias("milestones")
    )


VICTORIES_BY_TYPE = Figure(
    id="resultats_victoires_par_type",
    title="Chaque étape est une victoire : les étapes de l'année",
    definition="Étapes franchies en {years} (permis, stage, validation des compétences, logement "
    "stabilisé…) par type d'étape ; une personne peut en franchir plusieurs. L'emploi n'est pas "
    "la seule victoire.",
    source="fichiers des centres : étapes franchies",
    tables="fct_milestones, dim_participants",
    reads=outcomes.page,
    part="victories",
    value="milestones",
    draw=_victories_by_type,
    columns=(
        Column("group_label", "Type d'étape"),
        Column("milestones", "Étapes franchies", "count"),
    ),
    shape=_per_type,
    empty="Aucune étape franchie enregistrée pour cette sélection.",
)

COUNT_OF = {"milestone_share": "with_milestone", "positive_exit_share": "with_positive_exit"}


def _cohort_lines(measure: str, title: str):
    def draw(frame: pl.DataFrame, tooltips: bool):
        # Masked months stay in the data (null): the line breaks there.
        return charts.lines(
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
            tooltip=_tips(
                alt.Tooltip("cohort:N", title="Année d'entrée"),
                alt.Tooltip("months_since_entry:Q", title="Mois depuis l'entrée"),
                alt.Tooltip(f"{measure}:Q", title=title, format=charts.PCT),
                alt.Tooltip(f"{COUNT_OF[measure]}:Q", title="Stagiaires"),
                alt.Tooltip("cohort_size:Q", title="Taille de la cohorte"),
                on=tooltips,
            ),
        )

    return draw


PRINTED_MONTHS = (6, 12, 24)


def _at_printed_months(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("months_since_entry").is_in(PRINTED_MONTHS))


COHORT_DEFINITION = (
    "Stagiaires regroupés par année d'entrée (les cinq années jusqu'à {year}) : à chaque mois "
    "depuis l'entrée, la part qui a {what}. Un mois n'est montré que si toute la cohorte a pu "
    "être suivie aussi longtemps. Une part masquée interrompt sa courbe."
)
COHORT_MASKING = (
    " Une cohorte de moins de 5 stagiaires n'est pas montrée ; les courbes sont données tous les "
    f"{outcomes.COHORT_STEP_MASKED} mois. Effectifs de 1 à 4 masqués (« < 5 »)."
)


def _cohorts(measure: str, title: str, what: str) -> Figure:
    count = COUNT_OF[measure]
    return Figure(
        id=f"resultats_cohortes_{measure.removesuffix('_share')}",
        title=f"Cohortes d'entrée : {title.lower()}",
        definition=COHORT_DEFINITION.replace("{what}", what),
        source="fichiers des centres : stagiaires, étapes franchies, sorties",
        tables="agg_entry_cohorts",
        reads=outcomes.page,
        part="cohorts",
        value=measure,
        draw=_cohort_lines(measure, title),
        columns=(
            Column("cohort", "Année d'entrée", "year"),
            Column("months_since_entry", "Mois depuis l'entrée"),
            Column("cohort_size", "Taille de la cohorte", "count"),
            Column(count, "Stagiaires", "count"),
            Column(measure, "Part", "share"),
            Column(f"{measure.removesuffix('_share')}_share_low", "IC 95 % bas", "share"),
            Column(f"{measure.removesuffix('_share')}_share_high", "IC 95 % haut", "share"),
        ),
        masking=COHORT_MASKING,
        empty="Aucune cohorte d'entrée assez grande à montrer.",
        printed=_at_printed_months,
    )


COHORT_MILESTONE = _cohorts(
    "milestone_share", "Part avec une première étape franchie", "déjà franchi une première étape"
)
COHORT_POSITIVE_EXIT = _cohorts(
    "positive_exit_share",
    "Part avec une sortie positive",
    "déjà quitté le centre vers l'emploi ou une formation",
)


def _destinations(frame: pl.DataFrame, tooltips: bool):
    return charts.columns(
        frame,
        "exit_year",
        "exits",
        x_title="Année de sortie",
        y_title="Sorties",
        color="destination",
        color_title="Destination",
        palette="situation.group",
        tooltip=_tips(
            alt.Tooltip("exit_year:O", title="Année de sortie"),
            alt.Tooltip("destination:N", title="Destination"),
            alt.Tooltip("exits:Q", title="Sorties", format=charts.INT),
            on=tooltips,
        ),
    ).configure_mark(invalid="break-paths-show-domains")


DESTINATIONS = Figure(
    id="resultats_destinations",
    title="Destinations des sorties {span}",
    definition="Sorties par année et par destination (le groupe de la situation à la sortie : "
    "emploi, formation, autre CISP, sans emploi ni formation, inconnue).",
    source="fichiers des centres : sorties",
    tables="fct_exits, dim_participants",
    reads=outcomes.page,
    part="destinations",
    value="exits",
    draw=_destinations,
    columns=(
        Column("exit_year", "Année de sortie", "year"),
        Column("destination", "Destination"),
        Column("exits", "Sorties", "count"),
    ),
    empty="Aucune sortie enregistrée pour cette sélection.",
    wide=("Année de sortie", "Destination", "Sorties"),
)


def shown_years(frame: pl.DataFrame) -> tuple[int, int] | None:
    """The years of exit the destinations figure really shows (its title names them)."""
    if frame.is_empty():
        return None
    return int(frame["exit_year"].min()), int(frame["exit_year"].max())


def _after_exit(frame: pl.DataFrame, tooltips: bool):
    return charts.bar(
        frame,
        "horizon_label",
        "trainees",
        category_title="Moment",
        value_title="Stagiaires suivis",
        color="situation",
        color_title="Situation",
        palette="situation.group",
        sort=None,
        tooltip=_tips(
            alt.Tooltip("horizon_label:N", title="Moment"),
            alt.Tooltip("situation:N", title="Situation"),
            alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT),
            on=tooltips,
        ),
    ).configure_mark(invalid="break-paths-show-domains")


AFTER_EXIT = Figure(
    id="resultats_apres_sortie",
    title="Six et douze mois après la sortie",
    definition="Sorties de {years} : situation observée lors du suivi le plus proche de 6 mois "
    "(entre 5 et 7) et de 12 mois (entre 11 et 13) après la sortie, un suivi par stagiaire.",
    source="fichiers des centres : suivis après la sortie",
    tables="fct_followups, fct_exits, dim_participants",
    reads=outcomes.page,
    part="after_exit",
    value="trainees",
    draw=_after_exit,
    columns=(
        Column("horizon_label", "Moment"),
        Column("situation", "Situation"),
        Column("trainees", "Stagiaires", "count"),
    ),
    empty="Aucun suivi après la sortie pour cette sélection.",
    wide=("Moment", "Situation", "Stagiaires"),
)


def _flow(frame: pl.DataFrame, tooltips: bool):
    # The same measure for every role and every filter: the share of each situation at entry.
    return charts.bar(
        frame,
        "status",
        "share",
        category_title="Situation à l'entrée",
        value_title="Part des sortants",
        value_format=charts.PCT,
        color="destination",
        color_title="Destination à la sortie",
        palette="situation.group",
        tooltip=_tips(
            alt.Tooltip("status:N", title="Situation à l'entrée"),
            alt.Tooltip("destination:N", title="Destination"),
            alt.Tooltip("share:Q", title="Part", format=charts.PCT),
            alt.Tooltip("trainees:Q", title="Sortants", format=charts.INT),
            alt.Tooltip("status_total:Q", title="Sortants de cette situation", format=charts.INT),
            on=tooltips,
        ),
    ).configure_mark(invalid="break-paths-show-domains")


FLOW = Figure(
    id="resultats_flux",
    title="De la situation à l'entrée à la destination à la sortie",
    definition="Stagiaires dont la dernière sortie date de {years} : leur situation à l'entrée "
    "(statut déclaré) et la destination de cette sortie. Part : au sein de chaque situation à "
    "l'entrée, avec le nombre de sortants et l'intervalle de confiance (Wilson, 95 %).",
    source="fichiers des centres : stagiaires, sorties",
    tables="dim_participants, fct_exits",
    reads=outcomes.page,
    part="flow",
    value="share",
    draw=_flow,
    columns=(
        Column("status", "Situation à l'entrée"),
        Column("destination", "Destination à la sortie"),
        Column("trainees", "Sortants", "count"),
        Column("status_total", "Sortants de cette situation", "count"),
        Column("share", "Part", "share"),
        Column("share_low", "IC 95 % bas", "share"),
        Column("share_high", "IC 95 % haut", "share"),
    ),
    empty="Aucune sortie pour cette sélection.",
)

FIGURES = (
    VICTORIES,
    VICTORIES_BY_TYPE,
    COHORT_MILESTONE,
    COHORT_POSITIVE_EXIT,
    DESTINATIONS,
    AFTER_EXIT,
    FLOW,
)
