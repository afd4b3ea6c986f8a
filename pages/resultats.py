"""Résultats dans le temps — intermediate victories, entry cohorts, exit destinations, situation
after exit, and from the situation at entry to the destination at exit. Each figure is a
specification of `parcours.figures.resultats`, drawn as the yearly report draws it."""

import polars as pl
import streamlit as st

from parcours.analytics import outcomes
from parcours.dashboard import benchmark, ui
from parcours.figures import resultats as figures
from parcours.figures.resultats import COHORT_MILESTONE, COHORT_POSITIVE_EXIT
from parcours.figures.spec import span
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Résultats dans le temps")
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"
LAST = filters.years[1] if filters.years else None
BREAKDOWN_KEY = "resultats_ventiler"


def show_cohorts(data: dict) -> None:
    st.subheader("Cohortes d'entrée")
    frame = data["cohorts"]
    if frame.is_empty():
        ui.empty_state(COHORT_MILESTONE.empty)
        return
    for spec in (COHORT_MILESTONE, COHORT_POSITIVE_EXIT):
        st.markdown(f"**{spec.title}**")
        ui.show_figure(spec, frame, heading=False, year=LAST or "la dernière année choisie")


def show_destinations(data: dict) -> None:
    frame = data["destinations"]
    shown = figures.shown_years(frame)
    years = fmt.years_label(*shown) if shown else YEARS
    words = {"years": years, "span": span(*shown) if shown else f"en {YEARS}"}
    st.subheader(figures.DESTINATIONS.words(masked=False, **words).title)
    by = ui.breakdown(BREAKDOWN_KEY)
    if by is not None and "destinations_by" in data:
        show_destinations_by(data["destinations_by"], by)
        return
    ui.show_figure(figures.DESTINATIONS, frame, heading=False, **words)


def show_destinations_by(frame: pl.DataFrame, by: str) -> None:
    """Exits by destination, for each group of one population dimension (a column per group,
    one chart per year of exit)."""
    name = ui.BREAKDOWN_LABELS[by]
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie enregistrée en {YEARS} pour cette sélection.")
        return
    for year in frame["exit_year"].unique(maintain_order=True):
        part = frame.filter(pl.col("exit_year") == year)
        if ui.drawable(part, "exits") is not None:
            ui.draw(
                ui.Drawing(
                    ("resultats.destinations_by", name, year),
                    (part,),
                    lambda part=part, year=year: charts.columns(
                        part,
                        "group",
                        "exits",
                        x_title=f"{name} à l'entrée",
                        y_title=f"Sorties en {year}",
                        color="destination",
                        color_title="Destination",
                        palette="situation.group",
                    ).configure_mark(invalid="break-paths-show-domains"),
                ),
                width="stretch",
            )
    ui.show_chart(
        None,
        frame.select(
            pl.col("exit_year").alias("Année de sortie"),
            pl.col("group").alias(name),
            pl.col("destination").alias("Destination"),
            pl.col("exits_shown").alias("Sorties"),
        ),
        f"Sorties par année, par {name.lower()} à l'entrée et par destination (groupe de la "
        "situation à la sortie) ; les groupes d'une année s'additionnent aux sorties de l'année "
        "vers chaque destination (« Aucun » pour les voir).",
        f"resultats_destinations_{by}",
        counts=["Sorties"],
    )


if ui.warehouse_ready("fct_milestones", "fct_exits", "fct_followups", "agg_entry_cohorts"):
    # One call: everything the page shows is masked together (`outcomes.page`).
    data = ui.load(outcomes.page, scope, filters, ui.breakdown_value(BREAKDOWN_KEY))
    with ui.guard("les étapes franchies"):
        ui.show_figure(figures.VICTORIES, data["victories"], years=YEARS)
    with ui.guard("les cohortes"):
        show_cohorts(data)
    with ui.guard("les destinations"):
        show_destinations(data)
    with ui.guard("le suivi après la sortie"):
        ui.show_figure(figures.AFTER_EXIT, data["after_exit"], years=YEARS)
    with ui.guard("les flux"):
        ui.show_figure(figures.FLOW, data["flow"], years=YEARS)
    with ui.guard("la comparaison"):
        benchmark.show(scope, filters, ["exits"], "Sortants")
