"""Accueil, « Chiffres clés »: where those who finished the year went (`home.page`)."""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.analytics import home
from parcours.figures.spec import Column, Figure
from parcours.presentation import charts


def _known_destinations(dest: pl.DataFrame, tooltips: bool):
    # Every destination stays on the axis; a masked one is an empty bar.
    return charts.bar(
        dest.with_columns(pl.col("share").alias("Part")),
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
        ]
        if tooltips
        else None,
    ).configure_mark(invalid="break-paths-show-domains")


KNOWN_DESTINATIONS = Figure(
    id="accueil_destinations",
    title="Où vont-ils à la sortie ?",
    definition="Destination de ceux qui ont terminé en {year} (sorties dont la suite est "
    "connue : {known}) : emploi, formation, autre CISP, sans emploi ni formation ; chaque part "
    "avec son nombre de sorties et son intervalle de confiance (Wilson, 95 %). Les sorties à "
    "destination inconnue ne sont pas comptées.",
    source="fichiers des centres : sorties",
    tables="fct_exits, dim_participants",
    reads=home.page,
    part=("chiffres", "destinations"),
    value="share",
    draw=_known_destinations,
    columns=(
        Column("destination", "Destination"),
        Column("exits", "Sorties", "count"),
        Column("share", "Part", "share"),
        Column("share_low", "IC 95 % bas", "share"),
        Column("share_high", "IC 95 % haut", "share"),
    ),
    empty="Aucune sortie à destination connue cette année-là.",
)

KEY_FIGURES = Figure(
    id="accueil_chiffres_cles",
    title="Chiffres clés",
    definition="Stagiaires en formation en {years} (entrés au plus tard le 31 décembre et non "
    "sortis avant le 1er janvier), entrées et sorties de l'année, sorties positives (vers un "
    "emploi ou une formation), stagiaires ayant levé au moins un frein et franchi au moins une "
    "étape pendant l'année.",
    source="fichiers des centres : stagiaires, heures, freins évalués, étapes franchies, sorties",
    tables="fct_participant_year_figures",
    # A table of counts (the page shows them as metric cards, the site as its table).
    reads=home.raw_figures,
    part=None,
    value="value",
    draw=None,
    columns=(Column("indicator", "Indicateur"), Column("value", "Nombre", "count")),
)

FIGURES = (KNOWN_DESTINATIONS, KEY_FIGURES)
