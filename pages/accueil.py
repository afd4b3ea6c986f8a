"""Accueil — the period's key figures against the previous period, and the « chiffres clés »
the Interfédé publishes, for any year."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import home as indicators
from parcours.dashboard import filters as shared_filters
from parcours.dashboard import ui
from parcours.presentation import charts, palette, wording
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Accueil")
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def show_key_figures() -> None:
    period = indicators.Period.of_years(filters.years)
    previous = period.previous()
    label = fmt.years_label(*filters.years)
    previous_label = fmt.years_label(previous.start.year, previous.end.year)
    st.subheader(f"La période {label}")
    compared = ui.load(indicators.comparison, scope, filters)
    if compared["comparable"]:
        st.caption(f"Comparée à {previous_label} (même durée, juste avant).")
    else:
        st.caption(compared["reason"])
    figures = ui.load(indicators.key_figures, scope, filters)
    rows = {r["figure"]: r for r in figures.iter_rows(named=True)}
    counts = ["in_training", "entries", "exits", "hours"]
    for column, key in zip(st.columns(len(counts)), counts, strict=True):
        r = rows[key]
        value = fmt.number(r["value"]) if key == "hours" else fmt.count(r["value"])
        with column:
            ui.metric(
                r["label"],
                value,
                delta=None
                if r["change"] is None
                else f"{fmt.signed(r['change'])} vs {previous_label}",
                help=f"{previous_label} : "
                + (fmt.number(r["previous"]) if key == "hours" else fmt.count(r["previous"])),
            )
    shares = ["with_barrier_lifted", "with_milestone", "positive_exits"]
    in_training = fmt.count(rows["in_training"]["value"])
    bases = {
        "with_barrier_lifted": f"stagiaires sur {in_training} en formation",
        "with_milestone": f"stagiaires sur {in_training} en formation",
        "positive_exits": f"sorties positives sur {fmt.count(rows['exits']['value'])}",
    }
    for column, key in zip(st.columns(len(shares)), shares, strict=True):
        r = rows[key]
        delta = None
        if r["share"] is not None and r["share_previous"] is not None:
            delta = fmt.signed((r["share"] - r["share_previous"]) * 100, 1, "pts")
        with column:
            ui.metric(
                r["label"],
                fmt.share(r["share"]),
                delta=delta,
                help=f"{previous_label} : {fmt.share(r['share_previous'])} "
                f"({fmt.count(r['previous'])}).",
            )
            st.caption(f"{fmt.count(r['value'])} {bases[key]}")
    table = figures.select(
        pl.col("label").alias("Indicateur"),
        pl.col("value").alias(label),
        pl.col("previous").alias(previous_label),
        pl.col("change").alias("Évolution"),
        (pl.col("share") * 100).round(1).alias(f"Part {label} (%)"),
        (pl.col("share_previous") * 100).round(1).alias(f"Part {previous_label} (%)"),
    )
    st.caption(
        "En formation : entrés au plus tard à la fin de la période et pas sortis avant son "
        "début. Frein levé, étape franchie : au moins un pendant la période, parmi les "
        "stagiaires en formation. Sortie positive : vers l'emploi ou une formation "
        "(codes.csv)." + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            table, f"chiffres_periode_{label}", counts=[label, previous_label, "Évolution"]
        )


def show_months() -> None:
    st.subheader("Au fil des mois")
    frame = ui.load(indicators.monthly, scope, filters)
    long = frame.unpivot(
        index="month", on=["in_training", "entries", "exits"], variable_name="what", value_name="n"
    ).with_columns(
        pl.col("what").replace_strict(palette.SERIES),
        pl.col("month").map_elements(fmt.month, return_dtype=pl.String).alias("month_label"),
    )
    data = ui.drawable(long, "n")
    chart = None
    if data is not None:
        chart = charts.lines(
            data,
            "month",
            "n",
            x_title="Mois",
            y_title="Stagiaires",
            color="what",
            color_title="",
            palette="series",
            x_type="T",
            tooltip=[
                alt.Tooltip("month_label:N", title="Mois"),
                alt.Tooltip("what:N", title="Indicateur"),
                alt.Tooltip("n:Q", title="Stagiaires", format=charts.INT),
            ],
            height=260,
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month").map_elements(fmt.month, return_dtype=pl.String).alias("Mois"),
            pl.col("in_training").alias("En formation"),
            pl.col("entries").alias("Entrées"),
            pl.col("exits").alias("Sorties"),
            pl.col("positive_exits").alias("Sorties positives"),
            pl.col("hours").round(1).alias("Heures"),
        ),
        "Par mois : stagiaires en formation pendant le mois (entrés au plus tard à sa fin, pas "
        "sortis avant son début), entrées et sorties du mois (nombres de stagiaires)." + MASKED,
        "accueil_par_mois",
        counts=["En formation", "Entrées", "Sorties", "Sorties positives"],
    )


def key_figures_heading() -> str:
    """Whose key figures these are: the Interfédé's only over every centre (see
    `presentation.wording`)."""
    names = shared_filters.centre_names()
    own_centre = scope.centre_ids[0] if scope.centre_ids and len(scope.centre_ids) == 1 else None
    narrowed = []
    if filters.province:
        narrowed.append(f"province : {filters.province}")
    if filters.filiere:
        narrowed.append(f"filière {shared_filters.filiere_label(filters.filiere)}")
    return wording.key_figures_title(
        user.role,
        user.federation,
        names.get(own_centre) if user.role == "centre" else None,
        chosen_federation=filters.federation,
        chosen_centre=names.get(filters.centre_id) if filters.centre_id else None,
        narrowed_to=", ".join(narrowed) or None,
    )


def choose_year() -> int:
    """The year of the chiffres clés: one of the period's (the last by default)."""
    first, last = filters.years
    available = shared_filters.year_options() or list(range(first, last + 1))
    options = [y for y in range(first, last + 1) if y in available] or [last]
    if len(options) == 1:
        st.caption(f"Chiffres de l'année {options[0]}, la période choisie dans les filtres.")
        return options[0]
    return st.selectbox(
        "Année des chiffres clés",
        options,
        index=len(options) - 1,
        # One key per period: a year chosen for another period is never carried over.
        key=f"cc_year_{first}_{last}",
        help=f"Une année de la période choisie dans les filtres ({fmt.years_label(first, last)}).",
    )


def show_chiffres_cles() -> None:
    st.subheader(key_figures_heading())
    year = choose_year()
    cc = ui.load(indicators.chiffres_cles, scope, filters, year)
    f = cc["figures"]
    by_type = {r["centre_type"]: r["centres"] for r in cc["centres_by_type"].iter_rows(named=True)}
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        ui.metric("Centres", fmt.integer(f["centres"]))
        st.caption(
            f"{fmt.integer(by_type['DéFI seulement'])} DéFI, "
            f"{fmt.integer(by_type['EFT seulement'])} EFT, "
            f"{fmt.integer(by_type['DéFI et EFT'])} les deux"
        )
    with c2:
        ui.metric("Filières", fmt.integer(f["filieres"]))
        st.caption("centre × filière × métier")
    with c3:
        ui.metric("Stagiaires", fmt.count(f["trainees"]))
        st.caption(f"en formation en {year}")
    with c4:
        ui.metric("Heures de formation", fmt.number(f["hours"]))
        st.caption(f"prestées en {year}")
    dest = cc["destinations"]
    data = ui.drawable(dest, "share")
    chart = None
    if data is not None:
        chart = charts.bar(
            data.with_columns(pl.col("share").alias("Part")),
            "destination",
            "Part",
            category_title="Destination",
            value_title="Part des sorties à destination connue",
            value_format=charts.PCT,
            color="destination",
            color_title="Destination",
            palette="situation.group",
            sort=None,
            tooltip=[
                alt.Tooltip("destination:N", title="Destination"),
                alt.Tooltip("Part:Q", title="Part", format=charts.PCT),
                alt.Tooltip("exits:Q", title="Sorties", format=charts.INT),
            ],
        )
    ui.show_chart(
        chart,
        dest.select(
            pl.col("destination").alias("Destination"),
            pl.col("exits").alias("Sorties"),
            (pl.col("share") * 100).round(1).alias("Part (%)"),
        ),
        f"Destination de ceux qui ont terminé en {year} ({fmt.count(f['known_destinations'])} "
        "sorties dont la suite est connue) : groupe de la situation à la sortie (codes.csv). "
        "Centres : ceux qui ont eu des stagiaires en formation cette année-là, selon les "
        "filières suivies. Filières : combinaisons centre × filière × métier distinctes.",
        f"chiffres_cles_{year}",
        counts=["Sorties"],
    )


if ui.warehouse_ready("dim_participants", "fct_exits", "fct_hours", "agg_centre_month"):
    if filters.years is None:
        ui.empty_state(
            "Aucun stagiaire dans l'entrepôt pour votre périmètre.",
            "Téléversez les exports de vos stagiaires puis reconstruisez l'entrepôt.",
        )
    else:
        with ui.guard("les chiffres de la période"):
            show_key_figures()
        with ui.guard("l'évolution mensuelle"):
            show_months()
        st.divider()
        with ui.guard("les chiffres clés"):
            show_chiffres_cles()
