"""Partenariats — partner types mobilised, what for, when in the path, by which centres, the
organisations most used, and outcomes with and without each partnership (an association)."""

import altair as alt
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


def show_organisations(data: dict) -> None:
    st.subheader("Les partenaires les plus sollicités")
    frame = data["organisations"]
    chart = (
        None
        if ui.drawable(frame, "trainees") is None
        else charts.bar(
            frame,
            "partner_name",
            "trainees",
            category_title="Organisme",
            value_title="Stagiaires concernés",
            color="type_label",
            color_title="Type de partenaire",
            palette="partner_type",
        ).configure_mark(invalid="break-paths-show-domains")
    )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("partner_name").alias("Organisme"),
            pl.col("type_label").alias("Type de partenaire"),
            pl.col("trainees_shown").alias("Stagiaires concernés"),
            pl.col("engagements_shown").alias("Partenariats"),
            pl.col("centres").alias("Centres"),
        ),
        "Les 15 organismes partenaires (nom tel que déclaré) qui ont accompagné le plus de "
        "stagiaires." + MASKED,
        "partenariats_organismes",
        counts=["Stagiaires concernés", "Partenariats"],
    )


EXCLUDED = "vrai par définition"
MEASURES = {
    "milestone": ("Au moins une étape franchie", "with_milestone"),
    "positive_exit": ("Sortie positive", "with_positive_exit"),
}


def show_association(data: dict) -> None:
    st.subheader("Avec ou sans partenariat : une association, pas une cause")
    frame = data["association"]
    if frame.is_empty():
        ui.empty_state("Aucun stagiaire en formation sur la période pour cette sélection.")
        return
    left, right = st.columns(2)
    for column, (measure, (title, count)) in zip((left, right), MEASURES.items(), strict=True):
        with column:
            st.markdown(f"**{title}**")
            # Combinations true by definition are left out of the chart (see the caption).
            part = frame.filter(~pl.col(f"{measure}_excluded")).select(
                "type_label",
                "group",
                "trainees",
                pl.col(count).alias("n"),
                pl.col(f"{measure}_share").alias("share"),
                pl.col(f"{measure}_share_low").alias("low"),
                pl.col(f"{measure}_share_high").alias("high"),
                pl.col(f"{measure}_share_masked").alias("masked"),
            )
            if ui.drawable(part, "share") is None:
                continue
            ui.altair_chart(
                charts.grouped_bar(
                    part,
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
                    ],
                ).configure_mark(invalid="break-paths-show-domains"),
                width="stretch",
            )
    excluded = sorted(
        {
            f"{label} × {MEASURES[m][0].lower()} ({partnerships.CIRCULAR[(t, m)]})"
            for t, label in zip(frame["partner_type"], frame["type_label"], strict=True)
            for m in MEASURES
            if (t, m) in partnerships.CIRCULAR
        }
    )
    st.caption(
        f"Association, pas causalité. Parmi les stagiaires en formation en {YEARS} : part de "
        "ceux qui ont franchi au moins une étape, et part de ceux dont la dernière sortie est "
        "positive (emploi ou formation), selon qu'ils ont eu ou non au moins un partenariat de ce "
        "type au cours de leur parcours — chaque part avec son nombre de stagiaires et son "
        "intervalle de confiance (Wilson, 95 %) : deux intervalles qui se chevauchent ne "
        "montrent pas de différence nette. C'est une association, pas une cause : les stagiaires "
        "orientés vers un partenaire ne sont pas tirés au hasard (un stage en entreprise arrive "
        "souvent en fin de parcours, quand l'emploi est déjà proche)."
        + (
            " Non montré, car vrai par définition : " + " ; ".join(excluded) + "."
            if excluded
            else ""
        )
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
        show_organisations(data)
    with ui.guard("l'association avec les résultats"):
        show_association(data)
    with ui.guard("la comparaison"):
        benchmark.show(scope, filters, ["partner_reach"], "Type de partenaire")
