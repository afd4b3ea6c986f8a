"""Partenariats — partner types mobilised, what for, when in the path, by which centres, the
organisations most used, and outcomes with and without each partnership (an association)."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import partnerships
from parcours.dashboard import ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Partenariats")
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def show_types() -> None:
    st.subheader("Quels partenaires ?")
    types = ui.load(partnerships.by_type, scope, filters)
    if types.is_empty():
        ui.empty_state(
            f"Aucun partenariat commencé en {YEARS} pour cette sélection.",
            "Téléversez le fichier des partenariats de votre centre ou élargissez les filtres.",
        )
        st.stop()
    data = ui.drawable(types, "trainees")
    chart = (
        None
        if data is None
        else charts.bar(
            data,
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
            ],
        )
    )
    counts = {
        "trainees": "Stagiaires concernés",
        "engagements": "Partenariats",
        "completed": "Terminés",
        "ongoing": "En cours",
        "interrupted": "Interrompus",
        "result_unknown": "Résultat inconnu",
    }
    ui.show_chart(
        chart,
        types.select(
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("group_label").alias("Domaine"),
            *(pl.col(k).alias(v) for k, v in counts.items()),
        ),
        f"Partenariats commencés en {YEARS}. Stagiaires concernés : stagiaires distincts avec au "
        "moins un partenariat de ce type ; partenariats : nombre d'enregistrements ; résultat "
        "tel que déclaré par le centre." + MASKED,
        "partenariats_par_type",
        counts=list(counts.values()),
    )


def show_purposes() -> None:
    st.subheader("Pour quoi faire ?")
    frame = ui.load(partnerships.purposes, scope, filters)
    data = ui.drawable(frame, "engagements")
    chart = (
        None
        if data is None
        else charts.bar(
            data,
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
            ],
        )
    )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("purpose_label").alias("Objet"),
            pl.col("engagements").alias("Partenariats"),
        ),
        "Objet déclaré de chaque partenariat (stage, formation, accompagnement social…)." + MASKED,
        "partenariats_objets",
        counts=["Partenariats"],
    )


def show_timing() -> None:
    st.subheader("À quel moment du parcours ?")
    frame = ui.load(partnerships.timing, scope, filters)
    chart = None
    if frame["median_days"].is_not_null().any():
        # Types with fewer than 5 partnerships stay on the axis, marked « masqué ».
        chart = charts.ranges(
            frame,
            "type_label",
            "q1_days",
            "median_days",
            "q3_days",
            category_title="Type de partenaire",
            value_title="Jours depuis l'entrée en formation",
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("engagements").alias("Partenariats"),
            pl.col("q1_days").alias("1er quartile (jours)"),
            pl.col("median_days").alias("Médiane (jours)"),
            pl.col("q3_days").alias("3e quartile (jours)"),
        ),
        "Jours entre l'entrée du stagiaire et le début du partenariat : le point est la médiane, "
        "la barre va du 1er au 3e quartile (la moitié des partenariats commencent dans cet "
        "intervalle). Masqué quand moins de 5 partenariats.",
        "partenariats_moment",
        counts=["Partenariats"],
    )


def show_heatmap() -> None:
    st.subheader("Qui mobilise quoi ?")
    frame = ui.load(partnerships.centre_heatmap, scope, filters)
    frame = frame.with_columns(
        pl.col("trainees")
        .map_elements(fmt.count, return_dtype=pl.String, skip_nulls=False)
        .alias("label")
    )
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
            pl.col("trainees").alias("Stagiaires concernés"),
        ),
        "Stagiaires concernés par au moins un partenariat de ce type, par centre." + MASKED,
        "partenariats_centres",
        counts=["Stagiaires concernés"],
    )


def show_organisations() -> None:
    st.subheader("Les partenaires les plus sollicités")
    frame = ui.load(partnerships.top_organisations, scope, filters)
    data = ui.drawable(frame, "trainees")
    chart = (
        None
        if data is None
        else charts.bar(
            data,
            "partner_name",
            "trainees",
            category_title="Organisme",
            value_title="Stagiaires concernés",
            color="type_label",
            color_title="Type de partenaire",
            palette="partner_type",
        )
    )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("partner_name").alias("Organisme"),
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("trainees").alias("Stagiaires concernés"),
            pl.col("engagements").alias("Partenariats"),
            pl.col("centres").alias("Centres"),
        ),
        "Les 15 organismes partenaires (nom tel que déclaré) qui ont accompagné le plus de "
        "stagiaires." + MASKED,
        "partenariats_organismes",
        counts=["Stagiaires concernés", "Partenariats"],
    )


def show_association() -> None:
    st.subheader("Avec ou sans partenariat : une association, pas une cause")
    frame = ui.load(partnerships.association, scope, filters)
    if frame.is_empty():
        ui.empty_state("Aucun stagiaire en formation sur la période pour cette sélection.")
        return
    long = frame.unpivot(
        index=["type_label", "group", "trainees"],
        on=["milestone_share", "positive_exit_share"],
        variable_name="measure",
        value_name="share",
    ).with_columns(
        pl.col("measure").replace_strict(
            {
                "milestone_share": "Au moins une étape franchie",
                "positive_exit_share": "Sortie positive",
            }  # fmt: skip
        )
    )
    left, right = st.columns(2)
    for column, measure in zip((left, right), ("Au moins une étape franchie", "Sortie positive"),
                               strict=True):  # fmt: skip
        with column:
            st.markdown(f"**{measure}**")
            part = long.filter(pl.col("measure") == measure)
            if part["share"].is_null().all():
                st.caption("Effectifs trop petits pour afficher une part (moins de 5).")
                continue
            ui.altair_chart(
                charts.grouped_bar(
                    part,
                    "type_label",
                    "share",
                    "group",
                    category_title="Type de partenaire",
                    value_title=f"Part des stagiaires — {measure.lower()}",
                    group_title="",
                    palette="comparison",
                    extra_tooltip=[
                        alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT)
                    ],
                ),
                width="stretch",
            )
    st.caption(
        f"Parmi les stagiaires en formation en {YEARS} : part de ceux qui ont franchi au moins "
        "une étape, et part de ceux dont la dernière sortie est positive (emploi ou formation), "
        "selon qu'ils ont eu ou non au moins un partenariat de ce type au cours de leur "
        "parcours. C'est une association, pas une cause : les stagiaires orientés vers un "
        "partenaire ne sont pas tirés au hasard (un stage en entreprise arrive souvent en fin de "
        "parcours, quand l'emploi est déjà proche)." + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            frame.select(
                pl.col("type_label").alias("Type de partenaire"),
                pl.col("group").alias("Groupe"),
                pl.col("trainees").alias("Stagiaires"),
                (pl.col("milestone_share") * 100).round(1).alias("Avec une étape franchie (%)"),
                (pl.col("positive_exit_share") * 100).round(1).alias("Sortie positive (%)"),
            ),
            "partenariats_association",
            counts=["Stagiaires"],
        )


if ui.warehouse_ready("fct_partnerships", "dim_participants", "dim_centres"):
    with ui.guard("les types de partenaires"):
        show_types()
    with ui.guard("les objets des partenariats"):
        show_purposes()
    with ui.guard("le moment des partenariats"):
        show_timing()
    with ui.guard("la carte des partenariats"):
        show_heatmap()
    with ui.guard("les organismes partenaires"):
        show_organisations()
    with ui.guard("l'association avec les résultats"):
        show_association()
