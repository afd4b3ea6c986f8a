"""Trajectoires: the chronogram of an entry cohort (`trajectories.chronogram`), and « les freins
d'abord », the order of the steps (`transition_flows.sections`, masked with the flow diagram)."""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.analytics import event_order, path_types, trajectories, transition_flows
from parcours.core import frames
from parcours.figures.spec import Column, Figure
from parcours.presentation import charts


def chronogram_chart(frame: pl.DataFrame, tooltips: bool, **options):
    """The chronogram's columns: the share of the observed trainees in each state, month by
    month since entry (`options`: `height`)."""
    return charts.columns(
        frame,
        "month",
        "share",
        x_title="Mois depuis l'entrée (0 = mois d'entrée)",
        y_title="Part des stagiaires observés",
        color="state",
        color_title="Situation",
        palette="state",
        y_format=charts.PCT,
        tooltip=[
            alt.Tooltip("month:O", title="Mois depuis l'entrée"),
            alt.Tooltip("state:N", title="Situation"),
            alt.Tooltip("share:Q", title="Part", format=charts.PCT),
            alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT),
            alt.Tooltip("observable:Q", title="Observés ce mois", format=charts.INT),
        ]
        if tooltips
        else None,
        **options,
    )


PRINTED_MONTHS = (0, 3, 6, 9, 12, 18, 24, 36)

CHRONOGRAM = Figure(
    id="trajectoires_chronogramme",
    title="Mois après mois : où en sont les stagiaires entrés en {year}",
    definition="Chronogramme : chaque colonne est un mois depuis l'entrée ; « Au centre » avant "
    "le mois de la dernière sortie, puis le groupe de la dernière situation connue (destination "
    "à la sortie ou suivi ultérieur). La part de chaque situation est celle des stagiaires "
    "encore observés ce mois-là (leur centre a envoyé des données jusque-là). Les allers-retours "
    "restent visibles : une personne peut passer par la formation, le chômage puis l'emploi.",
    source="fichiers des centres : stagiaires, sorties, suivis après la sortie",
    tables="agg_cohort_state_spells (fct_participant_months)",
    reads=trajectories.chronogram,
    part=None,
    value="share",
    draw=chronogram_chart,
    columns=(
        Column("month", "Mois depuis l'entrée"),
        Column("state", "Situation"),
        Column("trainees", "Stagiaires", "count"),
        Column("observable", "Observés ce mois", "count"),
        Column("share", "Part", "share"),
    ),
    empty="Pas de cohorte affichable pour cette année (moins de 5 stagiaires ou aucun).",
    wide=("Mois depuis l'entrée", "Situation", "Stagiaires"),
    printed=lambda f: f.filter(pl.col("month").is_in(PRINTED_MONTHS)),
)


def _months(value) -> str:
    if value is None:
        return "—"
    return "0 (mois d'entrée)" if value == 0 else f"{int(value)} mois"


def _event_order(events: pl.DataFrame, tooltips: bool):
    # Every step keeps its bar: a masked median is marked « masqué », never left out.
    return charts.bar(
        events.with_columns(
            pl.col("median_months").cast(pl.Float64),
            # Only a median that is masked is marked; no trainee, no median, no marker.
            (pl.col("median_months").is_null() & (pl.col("trainees_shown") != "0")).alias("masked"),
        ),
        "label",
        "median_months",
        value_format=charts.WHOLE,
        category_title="Étape",
        value_title="Mois médians depuis l'entrée",
        sort=list(event_order.EVENTS.values()),
        tooltip=[
            alt.Tooltip("label:N", title="Étape"),
            alt.Tooltip("median_months:Q", title="Mois médians depuis l'entrée"),
            alt.Tooltip("trainees_shown:N", title="Stagiaires concernés"),
            alt.Tooltip("counted:N", title="Qui compte"),
        ]
        if tooltips
        else None,
    )


def event_order_table(events: pl.DataFrame) -> pl.DataFrame:
    return events.with_columns(
        frames.each(events, "median_months", _months).fill_null("—").alias("median_label")
    )


EVENT_ORDER = Figure(
    id="trajectoires_ordre_des_etapes",
    title="Les freins d'abord : l'ordre des étapes",
    definition="Pour chaque étape, le nombre médian de mois entre le mois d'entrée (0) et le "
    "mois où elle a été atteinte pour la première fois, parmi les seuls stagiaires qui l'ont "
    "atteinte (« Qui compte » et leur nombre sont à côté) : la moitié l'a atteinte au plus tard "
    "ce mois-là. Chaque étape compte d'autres stagiaires : une sortie médiane plus précoce "
    "qu'une étape qualifiante ne veut pas dire qu'on sort avant de se qualifier, mais que les "
    "sortants ne sont pas tous ceux qui se qualifient. " + event_order.STEP_DEFINITIONS,
    source="fichiers des centres : freins évalués, étapes franchies, sorties",
    tables="agg_event_order, agg_cohort_state_spells",
    reads=transition_flows.sections,
    part=("events", "events"),
    value="median_months",
    draw=_event_order,
    columns=(
        Column("label", "Étape"),
        Column("median_label", "Mois médian depuis l'entrée"),
        Column("counted", "Qui compte"),
        Column("trainees", "Stagiaires concernés", "count"),
        Column("cohort", "Stagiaires de la cohorte", "count"),
    ),
    masked_drawn=True,  # every step keeps its bar: a masked median is marked, never left out
    masking=" Une médiane sur moins de 5 stagiaires n'est pas affichée. Effectifs de 1 à 4 "
    "masqués (« < 5 »).",
)


def _path_types(types: pl.DataFrame, tooltips: bool):
    return charts.bar(
        types,
        "name",
        "trainees",
        category_title="Parcours type",
        value_title="Stagiaires",
        sort=None,
        tooltip=[
            alt.Tooltip("name:N", title="Parcours type"),
            alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT),
            alt.Tooltip("share:Q", title="Part de la cohorte", format=charts.PCT),
        ]
        if tooltips
        else None,
    ).configure_mark(invalid="break-paths-show-domains")


def representative_path_chart(path: pl.DataFrame, tooltips: bool = True, **options):
    """A type's representative path: one column per month since entry, coloured by the state
    (`path`: month, state in French, months = 1), the months after its last observed one left
    out by the caller). Its height says nothing: no vertical axis."""
    chart = charts.columns(
        path,
        "month",
        "months",
        x_title="Mois depuis l'entrée (0 = mois d'entrée)",
        y_title="",
        color="state",
        color_title="Situation",
        palette="state",
        tooltip=[
            alt.Tooltip("month:O", title="Mois depuis l'entrée"),
            alt.Tooltip("state:N", title="Situation"),
        ]
        if tooltips
        else None,
        **options,
    )
    return chart.configure_axisY(labels=False, ticks=False, grid=False, domain=False)


PATH_TYPES = Figure(
    id="trajectoires_parcours_types",
    title="Parcours types des stagiaires entrés en {year}",
    definition="Les stagiaires entrés en {year}, répartis entre les parcours types du secteur. "
    "Les 24 premiers mois de chaque stagiaire (au centre, puis la situation de chaque mois) "
    "sont comparés mois par mois et regroupés autour de quelques parcours représentatifs ; "
    "chacun rejoint le plus proche. Chaque parcours type a un nom : "
    + path_types.NAME_DEFINITION
    + ". Pour chaque parcours type, la destination à la sortie (« sortie présumée » : plus "
    "aucune activité depuis 7 mois sans sortie déclarée).",
    source="fichiers des centres : stagiaires, heures, freins évalués, partenariats, étapes "
    "franchies, sorties, suivis après la sortie",
    tables="agg_path_types, agg_path_type_sequences (fct_participant_months)",
    reads=path_types.path_types,
    part="types",
    value="trainees",
    draw=_path_types,
    columns=(
        Column("name", "Parcours type"),
        Column("trainees", "Stagiaires", "count"),
        Column("share", "Part de la cohorte", "share"),
    ),
    empty="Pas de parcours types affichables pour cette année.",
)

FIGURES = (CHRONOGRAM, EVENT_ORDER, PATH_TYPES)
