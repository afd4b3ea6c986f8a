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
        # Each type in its own colour, the one it has on every chart (by domain, CPAS was purple
        # here and yellow on the organisations chart).
        color="type_label",
        color_title="Type de partenaire",
        palette="partner_type",
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


def _organisations(frame: pl.DataFrame, tooltips: bool):
    return charts.bar(
        frame,
        "partner_name",
        "trainees",
        category_title="Organisme",
        value_title="Stagiaires concernés",
        color="type_label",
        color_title="Type de partenaire",
        palette="partner_type",
    ).configure_mark(invalid="break-paths-show-domains")


ORGANISATIONS = Figure(
    id="partenariats_organismes",
    title="Les partenaires les plus sollicités",
    definition="Les 15 organismes partenaires (nom tel que déclaré par les centres) qui ont "
    "accompagné le plus de stagiaires, pour des partenariats commencés en {years}.",
    source=SOURCE,
    tables="fct_partnerships",
    reads=partnerships.page,
    part="organisations",
    value="trainees",
    draw=_organisations,
    columns=(
        Column("partner_name", "Organisme"),
        Column("type_label", "Type de partenaire"),
        Column("trainees", "Stagiaires concernés", "count"),
        Column("engagements", "Partenariats", "count"),
        Column("centres", "Centres", "number"),
    ),
)

ASSOCIATION_MEASURES = {
    "milestone": ("Au moins une étape franchie", "with_milestone"),
    "positive_exit": ("Sortie positive", "with_positive_exit"),
}


def excluded_note(frame: pl.DataFrame) -> str:
    """The combinations of a partner type and a result that are true by definition, left out
    (« Formation qualifiante × sortie positive … »): said, never shown as « 0 sur 174 »."""
    if frame.is_empty():
        return ""
    found = sorted(
        {
            f"{label} × {ASSOCIATION_MEASURES[m][0].lower()} ({partnerships.CIRCULAR[(t, m)]})"
            for t, label in zip(frame["partner_type"], frame["type_label"], strict=True)
            for m in ASSOCIATION_MEASURES
            if (t, m) in partnerships.CIRCULAR
        }
    )
    return " Non montré, car vrai par définition : " + " ; ".join(found) + "." if found else ""


def _association_rows(measure: str):
    count = ASSOCIATION_MEASURES[measure][1]

    def shape(frame: pl.DataFrame) -> pl.DataFrame:
        # Combinations true by definition are left out of the chart and the table.
        return frame.filter(~pl.col(f"{measure}_excluded")).select(
            "partner_type",
            "type_label",
            "group",
            "trainees",
            "trainees_shown",
            pl.col(count).alias("n"),
            pl.col(f"{count}_shown").alias("n_shown"),
            pl.col(f"{measure}_share").alias("share"),
            pl.col(f"{measure}_share_low").alias("low"),
            pl.col(f"{measure}_share_high").alias("high"),
            pl.col(f"{measure}_share_masked").alias("masked"),
        )

    return shape


def _association_chart(title: str):
    def draw(frame: pl.DataFrame, tooltips: bool):
        return charts.grouped_bar(
            frame,
            "type_label",
            "share",
            "group",
            category_title="Type de partenaire",
            value_title=f"Part des stagiaires — {title.lower()}",
            group_title="",
            palette="comparison",
            extra_tooltip=[
                alt.Tooltip("n:Q", title="Stagiaires concernés", format=charts.INT),
                alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT),
                alt.Tooltip("low:Q", title="IC 95 % bas", format=charts.PCT),
                alt.Tooltip("high:Q", title="IC 95 % haut", format=charts.PCT),
            ]
            if tooltips
            else None,
        ).configure_mark(invalid="break-paths-show-domains")

    return draw


def _association(measure: str, what: str) -> Figure:
    title = ASSOCIATION_MEASURES[measure][0]
    return Figure(
        id=f"partenariats_association_{measure}",
        title=f"Avec ou sans partenariat : {title.lower()}",
        definition=f"Parmi les stagiaires en formation en {{years}}, part de ceux qui {what}, "
        "selon qu'ils ont eu ou non au moins un partenariat de ce type au cours de leur "
        "parcours, avec son nombre de stagiaires et son intervalle de confiance (Wilson, 95 %) : "
        "deux intervalles qui se chevauchent ne montrent pas de différence nette. Une "
        "association, pas une cause : les stagiaires orientés vers un partenaire ne sont pas "
        "tirés au hasard (un stage en entreprise arrive souvent en fin de parcours, quand "
        "l'emploi est déjà proche).{excluded}",
        source=SOURCE + ", stagiaires, étapes franchies, sorties",
        tables="fct_partnerships, fct_training_years, fct_milestones, fct_exits",
        reads=partnerships.page,
        part="association",
        value="share",
        draw=_association_chart(title),
        columns=(
            Column("type_label", "Type de partenaire"),
            Column("group", "Groupe"),
            Column("trainees", "Stagiaires", "count"),
            Column("n", title, "count"),
            Column("share", "Part", "share"),
            Column("low", "IC 95 % bas", "share"),
            Column("high", "IC 95 % haut", "share"),
        ),
        empty="Aucun stagiaire en formation sur la période pour cette sélection.",
        shape=_association_rows(measure),
        extra={"measure": measure},
    )


ASSOCIATION_MILESTONE = _association("milestone", "ont franchi au moins une étape")
ASSOCIATION_EXIT = _association(
    "positive_exit", "ont une dernière sortie positive (emploi ou formation)"
)

FIGURES = (
    TYPES,
    PURPOSES,
    TIMING,
    ORGANISATIONS,
    ASSOCIATION_MILESTONE,
    ASSOCIATION_EXIT,
)
