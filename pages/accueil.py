"""Accueil — the period's key figures (against the previous period when the same centres
covered both), each year's with its coverage, the months, and the « chiffres clés » the
Interfédé publishes, for any year."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import home as indicators
from parcours.core import frames
from parcours.dashboard import benchmark, ui
from parcours.dashboard import filters as shared_filters
from parcours.figures.accueil import KNOWN_DESTINATIONS
from parcours.presentation import charts, palette, wording
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Accueil")
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »), ainsi "
    "que ce qui permettrait de le retrouver (un total, une part, un autre effectif)."
    if scope.mask_small_counts
    else ""
)


def year_choices() -> list[int]:
    """The years the chiffres clés may show: the period's that have data (the last by default)."""
    first, last = filters.years
    available = shared_filters.year_options() or list(range(first, last + 1))
    return [y for y in range(first, last + 1) if y in available] or [last]


def year_key() -> str:
    # One key per period: a year chosen for another period is never carried over.
    return f"cc_year_{filters.years[0]}_{filters.years[1]}"


def cc_year() -> int:
    """The year of the chiffres clés (its select box is drawn further down; the page's data,
    masked together, needs it first)."""
    options = year_choices()
    chosen = st.session_state.get(year_key())
    return chosen if chosen in options else options[-1]


def shown(column: str) -> pl.Expr:
    """A table's count column as text: the masked ones as `<column>_shown` says."""
    return (
        pl.when(pl.col(f"{column}_shown").is_not_null())
        .then(pl.col(f"{column}_shown"))
        .otherwise(pl.col(column).cast(pl.Int64).cast(pl.String))
    )


def interval_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f" (IC 95 % : {fmt.number(low * 100, 1)} à {fmt.share(high)})"


def show_key_figures(data: dict) -> None:
    comparison = data["comparison"]
    label, previous_label = comparison["current_label"], comparison["previous_label"]
    comparable = comparison["comparable"]
    st.subheader(f"La période {label}")
    if comparable:
        st.caption(
            f"Comparée à {previous_label} (même durée, juste avant) : les mêmes centres ont "
            f"envoyé leurs données pour les deux périodes ({comparison['current']} centres)."
        )
    else:
        st.caption(comparison["reason"])
    figures = data["figures"]
    rows = {r["figure"]: r for r in figures.iter_rows(named=True)}
    counts = ["in_training", "entries", "exits", "hours"]
    presumed = data.get("presumed_exits")
    st.caption(indicators.presumed_exits_sentence(presumed, fmt.count(presumed)))
    for column, key in zip(st.columns(len(counts)), counts, strict=True):
        r = rows[key]
        value = fmt.number(r["value"]) if key == "hours" else fmt.shown_count(r, "value")
        delta = help_text = None
        if comparable:
            previous = (
                fmt.number(r["previous"]) if key == "hours" else fmt.shown_count(r, "previous")
            )
            help_text = f"{previous_label} : {previous}"
            if r["change"] is not None:
                delta = f"{fmt.signed(r['change'])} vs {previous_label}"
        with column:
            ui.metric(r["label"], value, delta=delta, help=help_text)
    shares = ["with_barrier_lifted", "with_milestone", "positive_exits"]
    in_training = fmt.shown_count(rows["in_training"], "value")
    bases = {
        "with_barrier_lifted": f"stagiaires sur {in_training} en formation",
        "with_milestone": f"stagiaires sur {in_training} en formation",
        "positive_exits": f"sorties positives sur {fmt.shown_count(rows['exits'], 'value')}",
    }
    for column, key in zip(st.columns(len(shares)), shares, strict=True):
        r = rows[key]
        delta = help_text = None
        if comparable:
            if r["share"] is not None and r["share_previous"] is not None:
                delta = fmt.signed((r["share"] - r["share_previous"]) * 100, 1, "pts")
            help_text = (
                f"{previous_label} : "
                f"{fmt.shown_share(r['share_previous'], r['share_previous_masked'])} "
                f"({fmt.shown_count(r, 'previous')})."
            )
        with column:
            ui.metric(
                r["label"],
                fmt.shown_share(r["share"], r["share_masked"]),
                delta=delta,
                help=help_text,
            )
            st.caption(
                f"{fmt.shown_count(r, 'value')} {bases[key]}"
                + interval_text(r["share_low"], r["share_high"])
            )
    columns = [
        pl.col("label").alias("Indicateur"),
        shown("value").alias(label),
        *(
            [shown("previous").alias(previous_label), pl.col("change").alias("Évolution")]
            if comparable
            else []
        ),
        (pl.col("share") * 100).round(1).alias(f"Part {label} (%)"),
        (pl.col("share_low") * 100).round(1).alias("IC 95 % bas (%)"),
        (pl.col("share_high") * 100).round(1).alias("IC 95 % haut (%)"),
        *(
            [(pl.col("share_previous") * 100).round(1).alias(f"Part {previous_label} (%)")]
            if comparable
            else []
        ),
    ]
    table = figures.select(columns)
    st.caption(
        "En formation : entrés au plus tard à la fin de la période et pas sortis avant son "
        "début. Frein levé, étape franchie : au moins un pendant la période, parmi les "
        "stagiaires en formation. Sortie positive : vers l'emploi ou une formation "
        "(codes.csv). IC 95 % : intervalle de confiance de Wilson de la part." + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            table,
            f"chiffres_periode_{label}",
            counts=[label, *([previous_label, "Évolution"] if comparable else [])],
        )


YEAR_COUNTS = {
    "in_training": "En formation",
    "entries": "Entrées",
    "exits": "Sorties",
    "with_barrier_lifted": "Avec un frein levé",
    "with_milestone": "Avec une étape franchie",
    "positive_exits": "Sorties positives",
}


def show_years(data: dict) -> None:
    st.subheader("Année après année")
    years = data["years"]
    if years.is_empty():
        ui.empty_state("Aucune année avec des stagiaires pour cette sélection.")
        return
    table = years.select(
        pl.col("year").alias("Année"),
        *(pl.col(f"{k}_shown").alias(v) for k, v in list(YEAR_COUNTS.items())[:3]),
        pl.col("hours").round(1).alias("Heures"),
        *(
            expr
            for key, share in (
                ("with_barrier_lifted", "with_barrier_lifted_share"),
                ("with_milestone", "with_milestone_share"),
                ("positive_exits", "positive_exits_share"),
            )
            for expr in (
                pl.col(f"{key}_shown").alias(YEAR_COUNTS[key]),
                (pl.col(share) * 100).round(1).alias(f"{YEAR_COUNTS[key]} (%)"),
                (pl.col(f"{share}_low") * 100).round(1).alias(f"{YEAR_COUNTS[key]} : IC bas (%)"),
                (pl.col(f"{share}_high") * 100).round(1).alias(f"{YEAR_COUNTS[key]} : IC haut (%)"),
            )
        ),
        pl.col("coverage").alias("Centres couverts"),
        pl.when(pl.col("comparable_with_previous"))
        .then(pl.lit("oui"))
        .otherwise(pl.lit("non"))
        .alias("Comparable à l'année d'avant"),
    )
    ui.show_table(table, "accueil_par_annee", counts=list(YEAR_COUNTS.values()))
    st.caption(
        "Chaque indicateur pour chaque année civile, avec sa couverture : centres qui ont envoyé "
        "des heures pour au moins 10 mois sur 12 de l'année / centres de la sélection. Une "
        "année n'est comparable à la précédente que si les mêmes centres les couvrent toutes "
        "les deux. Parts : des stagiaires en formation (sorties positives : des sorties), avec "
        "leur intervalle de confiance de Wilson à 95 %."
    )


BREAKDOWN_KEY = "accueil_ventiler"


def show_months(data: dict) -> None:
    st.subheader("Au fil des mois")
    by = ui.breakdown(BREAKDOWN_KEY)
    if by is not None and "months_by" in data:
        show_months_by(data["months_by"], by)
        return
    frame = data["months"].drop("masked")
    long = frame.unpivot(
        index="month", on=["in_training", "entries", "exits"], variable_name="what", value_name="n"
    )
    flags = frame.unpivot(
        index="month",
        on=["in_training_masked", "entries_masked", "exits_masked"],
        variable_name="what",
        value_name="masked",
    ).with_columns(pl.col("what").str.strip_suffix("_masked"))
    long = long.join(flags, on=["month", "what"])
    long = long.with_columns(
        pl.col("what").replace_strict(palette.SERIES),
        frames.each(long, "month", fmt.month).alias("month_label"),
    )
    # Masked months stay in the data (value null, masked true): the line breaks there.
    chart = None
    if ui.drawable(long, "n") is not None:
        chart = ui.Drawing(
            ("accueil.months",),
            (long,),
            lambda: charts.lines(
                long,
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
            ),
        )
    ui.show_chart(
        chart,
        frame.select(
            frames.each(frame, "month", fmt.month).alias("Mois"),
            pl.col("in_training_shown").alias("En formation"),
            pl.col("entries_shown").alias("Entrées"),
            pl.col("exits_shown").alias("Sorties"),
            pl.col("positive_exits_shown").alias("Sorties positives"),
            pl.col("hours").round(1).alias("Heures"),
        ),
        "Par mois : stagiaires en formation pendant le mois (entrés au plus tard à sa fin, pas "
        "sortis avant son début), entrées et sorties du mois (nombres de stagiaires)."
        + (
            " Un mois masqué (« < 5 ») laisse un trou dans la ligne."
            if scope.mask_small_counts
            else ""
        ),
        "accueil_par_mois",
        counts=["En formation", "Entrées", "Sorties", "Sorties positives"],
    )


def show_months_by(frame: pl.DataFrame, by: str) -> None:
    """The months broken down by one population dimension: trainees in training per group."""
    name = ui.BREAKDOWN_LABELS[by].lower()
    data = frame.with_columns(
        frames.each(frame, "month", fmt.month).alias("month_label"),
        pl.col("in_training_masked").alias("masked"),
    )
    chart = None
    if ui.drawable(data, "in_training") is not None:
        chart = ui.Drawing(
            ("accueil.months_by", by),
            (data,),
            lambda: charts.lines(
                data,
                "month",
                "in_training",
                x_title="Mois",
                y_title="Stagiaires en formation",
                color="group",
                color_title=ui.BREAKDOWN_LABELS[by],
                palette=by,
                x_type="T",
                tooltip=[
                    alt.Tooltip("month_label:N", title="Mois"),
                    alt.Tooltip("group:N", title=ui.BREAKDOWN_LABELS[by]),
                    alt.Tooltip("in_training:Q", title="En formation", format=charts.INT),
                ],
                height=260,
            ),
        )
    ui.show_chart(
        chart,
        frame.select(
            frames.each(frame, "month", fmt.month).alias("Mois"),
            pl.col("group").alias(ui.BREAKDOWN_LABELS[by]),
            pl.col("in_training_shown").alias("En formation"),
            pl.col("entries_shown").alias("Entrées"),
            pl.col("exits_shown").alias("Sorties"),
            pl.col("positive_exits_shown").alias("Sorties positives"),
            pl.col("hours").round(1).alias("Heures"),
        ),
        f"Par mois et par {name} à l'entrée : stagiaires en formation pendant le mois ; le "
        "tableau donne aussi les entrées et les sorties. Les groupes d'un mois s'additionnent "
        "au total du mois (« Aucun » pour le voir)."
        + (
            " Un groupe masqué (« < 5 », ou « masqué » pour protéger un autre) laisse un trou "
            "dans sa ligne."
            if scope.mask_small_counts
            else ""
        ),
        f"accueil_par_mois_{by}",
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
    if filters.population:
        narrowed.append(shared_filters.population_text(filters))
    return wording.key_figures_title(
        user.role,
        user.federation,
        names.get(own_centre) if user.role == "centre" else None,
        chosen_federation=filters.federation,
        chosen_centre=names.get(filters.centre_id) if filters.centre_id else None,
        narrowed_to=", ".join(narrowed) or None,
    )


def choose_year(year: int) -> None:
    """Draws the choice of the chiffres clés' year, one of the period's (`cc_year` read it)."""
    options = year_choices()
    if len(options) == 1:
        st.caption(f"Chiffres de l'année {options[0]}, la période choisie dans les filtres.")
        return
    first, last = filters.years
    st.selectbox(
        "Année des chiffres clés",
        options,
        index=options.index(year),
        key=year_key(),
        help=f"Une année de la période choisie dans les filtres ({fmt.years_label(first, last)}).",
    )


def show_chiffres_cles(data: dict, year: int) -> None:
    st.subheader(key_figures_heading())
    choose_year(year)
    cc = data["chiffres"]
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
        ui.metric("Stagiaires", fmt.shown_count(f, "trainees"))
        st.caption(f"en formation en {year}")
    with c4:
        ui.metric("Heures de formation", fmt.number(f["hours"]))
        st.caption(f"prestées en {year}")
    ui.show_figure(
        KNOWN_DESTINATIONS,
        cc["destinations"],
        heading=False,
        file_suffix=f"_{year}",
        year=year,
        known=fmt.shown_count(f, "known_destinations"),
    )
    st.caption(
        "Centres : ceux qui ont eu des stagiaires en formation cette année-là, selon les "
        "filières suivies. Filières : combinaisons centre × filière × métier distinctes."
    )


if ui.warehouse_ready(
    "dim_participants",
    "fct_exits",
    "fct_hours",
    "agg_centre_month",
    "fct_training_years",
    "fct_participant_year_figures",
    "agg_centre_year_coverage",
):
    if filters.years is None:
        ui.empty_state(
            "Aucun stagiaire dans l'entrepôt pour votre périmètre.",
            "Téléversez les exports de vos stagiaires puis reconstruisez l'entrepôt.",
        )
    else:
        year = cc_year()
        # One call: everything the page shows is masked together (`home.page`).
        data = ui.load(indicators.page, scope, filters, year, ui.breakdown_value(BREAKDOWN_KEY))
        with ui.guard("les chiffres de la période"):
            show_key_figures(data)
        with ui.guard("l'évolution mensuelle"):
            show_months(data)
        with ui.guard("les chiffres année après année"):
            show_years(data)
        st.divider()
        with ui.guard("les chiffres clés"):
            show_chiffres_cles(data, year)
        st.divider()
        with ui.guard("la comparaison"):
            benchmark.show(scope, filters, ["exits"], "Sortants")
