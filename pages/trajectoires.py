"""Trajectoires — the paths themselves: the share of a cohort in each situation month by month
(chronogram), and where trainees go after they leave."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import trajectories
from parcours.dashboard import ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Trajectoires")
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def choose_year() -> int | None:
    years = ui.load(trajectories.cohort_years, scope, filters)
    if not years:
        ui.empty_state(
            "Aucune cohorte d'entrée pour cette sélection.",
            "Les trajectoires se calculent à partir des dates d'entrée des stagiaires.",
        )
        return None
    wanted = filters.years[1] if filters.years else years[-1]
    default = max((y for y in years if y <= wanted), default=years[0])
    return st.selectbox("Cohorte (année d'entrée)", years, index=years.index(default))


def show_chronogram(year: int) -> None:
    st.subheader("Mois après mois : où en sont les stagiaires entrés en " + str(year))
    by = ui.breakdown("trajectoires_ventiler")
    if by is not None:
        show_chronogram_by(year, by)
        return
    frame = ui.load(trajectories.chronogram, scope, filters, year)
    if frame.is_empty():
        ui.empty_state(f"Pas de cohorte affichable pour {year} (moins de 5 stagiaires ou aucun).")
        return
    cohort = frame.filter(pl.col("month") == 0)["observable"].max()
    st.caption(
        f"Cohorte : {fmt.count(cohort)} stagiaires entrés en {year}. La part de chaque "
        "situation est celle des stagiaires encore observés ce mois-là (leur centre a envoyé des "
        "données jusque-là) ; leur nombre est dans le tableau."
    )
    data = ui.drawable(frame, "share")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
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
            ],
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month").alias("Mois depuis l'entrée"),
            pl.col("state").alias("Situation"),
            pl.col("trainees").alias("Stagiaires"),
            pl.col("observable").alias("Observés ce mois"),
            pl.col("share").alias("Part"),
        ),
        "Chronogramme : chaque colonne est un mois depuis l'entrée ; « Au centre » avant le mois "
        "de la dernière sortie, puis le groupe de la dernière situation connue (destination à la "
        "sortie ou suivi ultérieur). Les allers-retours restent visibles : une personne peut "
        "passer par la formation, le chômage puis l'emploi." + MASKED,
        f"trajectoires_chronogramme_{year}",
        counts=["Stagiaires", "Observés ce mois"],
    )


def show_chronogram_by(year: int, by: str) -> None:
    """The chronogram of each group of one population dimension (« Ventiler par »)."""
    frame = ui.load(trajectories.chronogram_by, scope, filters, year, by)
    name = ui.BREAKDOWN_LABELS[by]
    if frame.is_empty():
        ui.empty_state(f"Pas de cohorte affichable pour {year} (moins de 5 stagiaires ou aucun).")
        return
    cohort = frame["cohort"][0]
    st.caption(
        f"Cohorte : {fmt.count(cohort) if cohort is not None else 'masquée'} stagiaires entrés "
        f"en {year}, par {name.lower()} à l'entrée. Dans chaque groupe, la part de chaque "
        "situation est celle des stagiaires du groupe encore observés ce mois-là."
    )
    for group in frame["group"].unique(maintain_order=True):
        part = frame.filter(pl.col("group") == group)
        size = part.filter(pl.col("month") == 0)["observable"].max()
        count = "effectif masqué"
        if size is not None:
            count = f"{fmt.count(size)} stagiaire{'s' if size > 1 else ''}"
        st.markdown(f"**{group}** — {count}")
        data = ui.drawable(part, "share")
        chart = None
        if data is not None:
            chart = charts.columns(
                data,
                "month",
                "share",
                x_title="Mois depuis l'entrée (0 = mois d'entrée)",
                y_title="Part des stagiaires observés",
                color="state",
                color_title="Situation",
                palette="state",
                y_format=charts.PCT,
                height=200,
            )
        if chart is not None:
            ui.altair_chart(chart, width="stretch")
        else:
            st.caption("Groupe masqué : trop peu de stagiaires pour le montrer.")
    st.caption(
        f"Chronogramme par {name.lower()} : les groupes d'un mois s'additionnent aux stagiaires "
        "observés ce mois-là (« Aucun » pour voir la cohorte entière)." + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            frame.select(
                pl.col("group").alias(name),
                pl.col("month").alias("Mois depuis l'entrée"),
                pl.col("state").alias("Situation"),
                pl.col("trainees").alias("Stagiaires"),
                pl.col("observable").alias("Observés ce mois"),
                pl.col("share").alias("Part"),
            ),
            f"trajectoires_chronogramme_{year}_{by}",
            counts=["Stagiaires", "Observés ce mois"],
        )


def show_transitions(year: int) -> None:
    st.subheader("Après la sortie : à 6 et 12 mois")
    frame = ui.load(trajectories.transitions, scope, filters, year)
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie enregistrée pour la cohorte {year}.")
        return
    ui.show_table(
        frame.select(
            pl.col("destination_group").alias("À la sortie"),
            pl.col("state_at_6_months").alias("6 mois après"),
            pl.col("state_at_12_months").alias("12 mois après"),
            pl.col("trainees").alias("Stagiaires"),
        ),
        f"trajectoires_transitions_{year}",
        counts=["Stagiaires"],
    )
    st.caption(
        "Stagiaires sortis de la cohorte, par chemin : destination à la sortie, puis situation "
        "observée au suivi le plus proche de 6 mois (entre 4 et 8 mois) et de 12 mois (entre 10 "
        "et 14 mois) ; « Non observé » quand aucun suivi ne tombe dans la fenêtre." + MASKED
    )


if ui.warehouse_ready("agg_cohort_state_spells", "agg_transitions"):
    with ui.guard("les trajectoires"):
        year = choose_year()
        if year is not None:
            show_chronogram(year)
            show_transitions(year)
