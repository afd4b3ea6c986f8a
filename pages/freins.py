"""Freins levés — per barrier and per group: trainees concerned, episodes, lift rate, time to
lift (Kaplan–Meier), distance travelled, setbacks."""

import polars as pl
import streamlit as st

from parcours.analytics import barriers
from parcours.dashboard import benchmark, ui
from parcours.figures import freins as figures
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Freins levés")

COUNT_COLUMNS = {
    "trainees": "Stagiaires concernés",
    "episodes": "Épisodes",
    "lifted": "Épisodes levés",
    "setbacks": "Rechutes",
    "trainees_with_setback": "Stagiaires avec rechute",
}
YEARS = fmt.years_label(*filters.years) if filters.years else "toutes les années"


def show_groups(data: dict) -> None:
    groups = data["groups"]
    if groups.is_empty():
        ui.empty_state(
            f"Aucun frein identifié pour cette sélection ({YEARS}).",
            "Téléversez les évaluations des freins (fichier « freins ») ou élargissez les filtres.",
        )
        st.stop()
    st.subheader("Par groupe de freins")
    cols = st.columns(len(groups))
    for column, r in zip(cols, groups.iter_rows(named=True), strict=True):
        with column:
            ui.metric(
                r["group_label"],
                fmt.shown_share(r["lift_rate"], r["lift_rate_masked"]),
                help="Taux de levée : épisodes levés / épisodes identifiés.",
            )
            interval = ""
            if r["lift_rate_low"] is not None:
                interval = (
                    f" (IC 95 % : {fmt.number(r['lift_rate_low'] * 100, 1)} à "
                    f"{fmt.share(r['lift_rate_high'])})"
                )
            st.caption(
                f"Levés : {fmt.shown_count(r, 'lifted')} sur "
                f"{fmt.shown_count(r, 'episodes')} épisodes"
                f"{interval} · {fmt.shown_count(r, 'trainees')} stagiaires · "
                f"médiane {fmt.days(r['km_median_days'])} · "
                f"{fmt.shown_count(r, 'setbacks')} rechute{'' if r['setbacks'] in (0, 1) else 's'}"
            )
    with st.expander("Voir le tableau et le télécharger"):
        table, counts = figures.GROUPS.table(groups)
        ui.show_table(table, figures.GROUPS.id, counts=counts)


def show_time_to_lift(data: dict) -> None:
    st.subheader(figures.TIME_TO_LIFT.title)
    for key, text in data["readings"].items():
        st.caption(f"**{key}** : {text}")
    curves = data["curves"]
    ui.show_figure(
        figures.TIME_TO_LIFT,
        curves,
        heading=False,
        rows=figures.curve_table(curves, scope.mask_small_counts),
        years=YEARS,
    )
    at_risk = data["at_risk"]
    if not at_risk.is_empty():
        st.markdown("**Épisodes encore suivis**")
        wide = (
            at_risk.with_columns(
                pl.col("at_risk_shown").alias("n"),
                (pl.col("time").cast(pl.String) + " j").alias("when"),
            )
            .pivot(on="when", index="key", values="n", sort_columns=False)
            .rename({"key": "Groupe"})
        )
        ui.show_table(wide, "freins_encore_suivis")
        st.caption(
            f"Nombre d'épisodes encore ouverts et suivis tous les {barriers.KM_AT_RISK_EVERY} "
            "jours, sous la courbe (une case vide : moins de "
            f"{barriers.KM_MIN_AT_RISK}, la courbe est arrêtée)."
            + (
                " « masqué » : un nombre qui, avec ses voisins, donnerait un effectif inférieur "
                "à 5."
                if scope.mask_small_counts
                else ""
            )
        )


def show_setbacks(data: dict) -> None:
    st.subheader("Rechutes : un parcours qui n'est pas linéaire")
    per = data["barriers"]
    with_setbacks = per.filter(pl.col("setbacks").is_null() | (pl.col("setbacks") > 0))
    if with_setbacks.is_empty():
        st.caption(f"Aucune rechute parmi les freins identifiés en {YEARS}.")
        return
    chart = None
    if ui.drawable(with_setbacks, "setbacks") is not None:
        chart = ui.Drawing(
            ("freins.setbacks",),
            (with_setbacks,),
            lambda: charts.bar(
                with_setbacks,
                "barrier_label",
                "setbacks",
                category_title="Frein",
                value_title="Rechutes (épisodes n° 2 ou plus)",
                color="group_label",
                color_title="Groupe",
                palette="barrier.group",
            ).configure_mark(invalid="break-paths-show-domains"),
        )
    ui.show_chart(
        chart,
        with_setbacks.select(
            pl.col("barrier_label").alias("Frein"),
            pl.col("setbacks_shown").alias("Rechutes"),
            pl.col("trainees_with_setback_shown").alias("Stagiaires avec rechute"),
            pl.col("episodes_shown").alias("Épisodes"),
        ),
        "Rechute : le frein revient (niveau 1 ou plus) après avoir été levé — un nouvel "
        f"épisode, n° 2 ou plus, identifié en {YEARS}. L'insertion n'est pas linéaire : "
        "reculer fait partie du chemin."
        + (" Effectifs inférieurs à 5 masqués (« < 5 »)." if scope.mask_small_counts else ""),
        "freins_rechutes",
        counts=["Rechutes", "Stagiaires avec rechute", "Épisodes"],
    )


if ui.warehouse_ready("fct_barrier_episodes", "dim_participants"):
    # One call: everything the page shows is masked together (`barriers.page`).
    data = ui.load(barriers.page, scope, filters)
    with ui.guard("les freins par groupe"):
        show_groups(data)
    with ui.guard("les freins par frein"):
        ui.show_figure(figures.BY_BARRIER, data["barriers"], years=YEARS)
    with ui.guard("le temps de levée"):
        show_time_to_lift(data)
    with ui.guard("le chemin parcouru"):
        ui.show_figure(figures.DISTANCE, data["distance"], years=YEARS)
    with ui.guard("les rechutes"):
        show_setbacks(data)
    with ui.guard("la comparaison"):
        benchmark.show(
            scope, filters, ["barrier_time", "barrier_lift"], "Frein", default="mobility"
        )
