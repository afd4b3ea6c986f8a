"""Partenariats: the partner types mobilised and what for. Both read `partnerships.page`."""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.analytics import partnerships
from parcours.figures.spec import Column, Figure
from parcours.presentation import charts

SOURCE = "fichiers des centres : partenariats"


def _types(types: pl.DataFrame, tooltips: bool):
    return charts.bar(
        types,
        "type_label",
        "trainees",
        category_title="Type de partenaire",
        value_title="Stagiaires concernés",
        color="group_label",
        color_title="Domaine",
        palette="partner_type.group",
        tooltip=[
            alt.Tooltip("type_label:N", title="Type de partenaire"),
            alt.Tooltip("trainees:Q", title="Stagiaires concernés", format=charts.INT),
            alt.Tooltip("engagements:Q", title="Partenariats", format=charts.INT),
        ]
        if tooltips
        else None,
    ).configure_mark(invalid="break-paths-show-domains")


TYPES = Figure(
    id="partenariats_types",
    title="Quels partenaires ?",
    definition="Partenariats commencés en {years}. Stagiaires concernés : stagiaires distincts "
    "avec au moins un partenariat de ce type commencé dans la période ; partenariats : nombre "
    "d'enregistrements ; résultat tel que déclaré par le centre.",
    source=SOURCE,
    tables="fct_partnerships, dim_participants",
    reads=partnerships.page,
    part="types",
    value="trainees",
    draw=_types,
    columns=(
        Column("type_label", "Type de partenaire"),
        Column("group_label", "Domaine"),
        Column("trainees", "Stagiaires concernés", "count"),
        Column("engagements", "Partenariats", "count"),
        Column("completed", "Terminés", "count"),
        Column("ongoing", "En cours", "count"),
        Column("interrupted", "Interrompus", "count"),
        Column("result_unknown", "Résultat inconnu", "count"),
    ),
    empty="Aucun partenariat commencé pour cette sélection.",
)


def _purposes(frame: pl.DataFrame, tooltips: bool):
    return charts.bar(
        frame,
        "type_label",
        "engagements",
        category_title="Type de partenaire",
        value_title="Partenariats",
        color="purpose_label",
        color_title="Objet",
        palette="purpose",
        tooltip=[
            alt.Tooltip("type_label:N", title="Type de partenaire"),
            alt.Tooltip("purpose_label:N", title="Objet"),
            alt.Tooltip("engagements:Q", title="Partenariats", format=charts.INT),
        ]
        if tooltips
        else None,
    ).configure_mark(invalid="break-paths-show-domains")


PURPOSES = Figure(
    id="partenariats_objets",
    title="Pour quoi faire ?",
    definition="Partenariats commencés en {years}, par type de partenaire et par objet déclaré "
    "(stage, formation, accompagnement social, mise à l'emploi…).",
    source=SOURCE,
    tables="fct_partnerships",
    reads=partnerships.page,
    part="purposes",
    value="engagements",
    draw=_purposes,
    columns=(
        Column("type_label", "Type de partenaire"),
        Column("purpose_label", "Objet"),
        Column("engagements", "Partenariats", "count"),
    ),
    wide=("Type de partenaire", "Objet", "Partenariats"),
)


def _timing(frame: pl.DataFrame, tooltips: bool):
    # Types with fewer than 5 partnerships stay on the axis, marked « masqué ».
    return charts.ranges(
        frame,
        "type_label",
        "q1_days",
        "median_days",
        "q3_days",
        category_title="Type de partenaire",
        value_title="Jours depuis l'entrée en formation",
    )


TIMING = Figure(
    id="partenariats_moment",
    title="À quel moment du parcours ?",
    definition="Jours entre l'entrée du stagiaire et le début du partenariat : le point est la "
    "médiane, la barre va du 1er au 3e quartile (la moitié des partenariats commencent dans cet "
    "intervalle).",
    source=SOURCE + ", stagiaires",
    tables="fct_partnerships, dim_participants",
    reads=partnerships.page,
    part="timing",
    value="median_days",
    draw=_timing,
    columns=(
        Column("type_label", "Type de partenaire"),
        Column("engagements", "Partenariats", "count"),
        Column("q1_days", "1er quartile (jours)", "number"),
        Column("median_days", "Médiane (jours)", "number"),
        Column("q3_days", "3e quartile (jours)", "number"),
    ),
    masking=" Masqué quand moins de 5 partenariats.",
)

FIGURES = (TYPES, PURPOSES, TIMING)
