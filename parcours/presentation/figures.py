"""The charts that both a dashboard page and the yearly report draw: one Altair specification
per figure, so that the report shows what the page shows (same axes, titles, colours and
scale). The page passes its tooltips; the report, rendered as a static image, has none.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from parcours.presentation import charts


def lift_rate_by_barrier(per: pl.DataFrame, tooltip: Sequence | None = None) -> alt.Chart:
    """Freins levés, « Par frein »: the lift rate of each barrier, coloured by its group. Every
    barrier stays on the axis: a masked rate is an empty bar, not a missing row."""
    return charts.bar(
        per,
        "barrier_label",
        "lift_rate",
        category_title="Frein",
        value_title="Taux de levée",
        value_format=charts.PCT,
        color="group_label",
        color_title="Groupe",
        palette="barrier.group",
        tooltip=tooltip,
    ).configure_mark(invalid="break-paths-show-domains")


def time_to_lift(curves: pl.DataFrame, tooltip: Sequence | None = None) -> alt.Chart:
    """Freins levés, « Combien de temps pour lever un frein ? »: the share of barriers lifted
    after so many days (1 − the Kaplan–Meier survival), one step curve per group."""
    return charts.lines(
        curves.with_columns((1 - pl.col("survival")).round(3).alias("lifted_share")),
        "time",
        "lifted_share",
        x_title="Jours depuis l'identification du frein",
        y_title="Part des freins levés",
        color="key",
        color_title="Groupe",
        palette="barrier.group",
        y_format=charts.PCT,
        step=True,
        y_domain=(0, 1),
        tooltip=tooltip,
    )


def partner_types(types: pl.DataFrame, tooltip: Sequence | None = None) -> alt.Chart:
    """Partenariats, « Quels partenaires ? »: trainees reached by each partner type, each bar in
    its type's colour — the colour the type has on every chart (« Les partenaires les plus
    sollicités » colours its organisations by type; colours.yml gives a type a hue of its domain's
    family). Coloured by domain, CPAS was purple here and yellow on the next chart."""
    return charts.bar(
        types,
        "type_label",
        "trainees",
        category_title="Type de partenaire",
        value_title="Stagiaires concernés",
        color="type_label",
        color_title="Type de partenaire",
        palette="partner_type",
        tooltip=tooltip,
    ).configure_mark(invalid="break-paths-show-domains")


def known_destinations(dest: pl.DataFrame, tooltip: Sequence | None = None) -> alt.Chart:
    """Chiffres clés: the share of each destination among the exits whose destination is
    known."""
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
        tooltip=tooltip,
    )
