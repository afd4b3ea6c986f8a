"""Altair charts of the Parcours, Qualité and Transformations pages (pure functions of frames).

Dates are shown day first and numbers with a decimal comma (the spec carries a French locale).
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import polars as pl

from parcours.core import frames
from parcours.presentation import palette
from parcours.presentation.charts import LABEL_LIMIT, colour, french

# The lanes' colours (colours.yml, list `lane`).
LANE_COLOURS = palette.colours("lane")


# What Streamlit's `height` must add to a chart's plot height: it sizes the whole chart (axes
# and the legend under it included) to that height, squeezing the plot otherwise.
AXIS_ROOM = 50
LEGEND_ROOM = 70


def display_height(chart: alt.TopLevelMixin, legend: bool = True) -> int:
    return int(chart.height) + AXIS_ROOM + (LEGEND_ROOM if legend else 0)


def _french(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return french(chart).configure_legend(orient="bottom", labelLimit=LABEL_LIMIT)


def timeline_frame(events: pl.DataFrame) -> pl.DataFrame:
    """The events with the row each is drawn on and that row's rank (lane order, then start)."""
    if events.height == 0:
        return events.with_columns(pl.lit("").alias("row"), pl.lit(0).alias("row_rank"))
    lane_rank = {lane: i for i, lane in enumerate(palette.LANES.values())}
    frame = events.with_columns(
        pl.when(pl.col("lane") == palette.LANES["barriers"])
        .then(pl.lit("Frein : ") + pl.col("track"))
        .when(pl.col("lane") == palette.LANES["partnerships"])
        .then(pl.lit("Partenaire : ") + pl.col("track"))
        .otherwise(pl.col("lane"))
        .alias("row"),
        pl.col("lane").replace_strict(lane_rank, default=99).alias("lane_rank"),
    )
    order = (
        frame.group_by("row")
        .agg(pl.col("lane_rank").min(), pl.col("start").min())
        .sort("lane_rank", "start")
        .with_row_index("row_rank")
        .select("row", "row_rank")
    )
    return frame.join(order, on="row").drop("lane_rank")


# Temporal axes never tick more often than monthly (else a short path repeats « 04/2024 »).
MONTH_MS = 31 * 24 * 3600 * 1000
# The timeline and the hours chart share this left axis width, so their months line up.
Y_AXIS = 170


def time_domain(events: pl.DataFrame) -> list[str] | None:
    """The span of a path (first to last date, a month of margin each side), shared by the
    timeline and the hours chart so that their months line up."""
    if events.is_empty():
        return None
    first = events["start"].min()
    last = max(d for d in (events["start"].max(), events["end"].max()) if d is not None)
    return [
        (first.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat(),
        # Room on the right for the label of a last dated step.
        (last.replace(day=28) + timedelta(days=75)).isoformat(),
    ]


def _time_x(field: str, domain: list[str] | None, **kwargs) -> alt.X:
    scale = alt.Scale(domain=domain) if domain else alt.Undefined
    axis = alt.Axis(format="%m/%Y", tickMinStep=MONTH_MS, labelOverlap=True)
    return alt.X(field, title=None, scale=scale, axis=axis, **kwargs)


def path_timeline(events: pl.DataFrame) -> alt.TopLevelMixin:
    """One row per barrier / partner type, one for entry and exit, one for milestones, one for
    follow-ups: bars for what lasts (barrier episodes, partnerships), points for dated steps."""
    frame = timeline_frame(events).with_columns(
        pl.when(pl.col("ongoing")).then(pl.lit("en cours")).otherwise(pl.lit("")).alias("state"),
        pl.col("label").str.extract(r"niveau (\d)").alias("level"),
    )
    frame = frame.sort("row_rank", "start").with_columns(
        (pl.int_range(pl.len()).over("row") % 2).alias("stagger")
    )
    rows = frame.sort("row_rank")["row"].unique(maintain_order=True).to_list()
    y = alt.Y(
        "row:N",
        sort=rows,
        title=None,
        axis=alt.Axis(labelLimit=Y_AXIS, minExtent=Y_AXIS, maxExtent=Y_AXIS),
    )
    lanes = colour(frame, "lane", None, "lane")
    tooltip = [
        alt.Tooltip("label:N", title="Quoi"),
        alt.Tooltip("start:T", title="Début / date", format="%d/%m/%Y"),
        alt.Tooltip("end:T", title="Fin", format="%d/%m/%Y"),
        alt.Tooltip("state:N", title="État"),
        alt.Tooltip("detail:N", title="Détail"),
    ]
    base = alt.Chart(frame).encode(
        y=y,
        color=lanes,
        tooltip=tooltip,
        x=_time_x("start:T", time_domain(events)),
    )
    spans = "datum.kind == 'episode' || datum.kind == 'partnership'"
    steps = "datum.end == null && datum.kind != 'assessment'"
    bars = (
        base.transform_filter(spans)
        .mark_bar(height=14, cornerRadius=3)
        .encode(x2="end:T", opacity=alt.condition("datum.ongoing", alt.value(0.45), alt.value(1)))
    )
    points = base.transform_filter(steps).mark_point(filled=True, size=110, shape="diamond")
    # Labels of steps on the same row alternate above and below, so close steps stay legible.
    labels = [
        base.transform_filter(f"{steps} && datum.stagger == {flag}")
        .mark_text(align="left", dx=7, dy=dy, fontSize=10)
        .encode(text="label:N", color=alt.value("#333"))
        for flag, dy in ((0, -9), (1, 11))
    ]
    # Each assessment of a barrier: a small circle with its level (3 fort … 0 levé) above it.
    assessments = base.transform_filter("datum.kind == 'assessment'")
    levels = assessments.mark_point(filled=True, size=45, shape="circle", color="#7f2704")
    level_text = assessments.mark_text(dy=-11, fontSize=10, fontWeight="bold").encode(
        text="level:N", color=alt.value("#7f2704")
    )
    chart = alt.layer(bars, points, *labels, levels, level_text).properties(
        height=max(120, 34 * len(rows))
    )
    return _french(chart)


def monthly_hours(hours: pl.DataFrame, domain: list[str] | None = None) -> alt.TopLevelMixin:
    chart = (
        alt.Chart(hours)
        .mark_bar(color="#7f7f7f")
        .encode(
            x=_time_x("month:T", domain, timeUnit="yearmonth"),
            y=alt.Y(
                "hours:Q",
                title="Heures",
                axis=alt.Axis(minExtent=Y_AXIS - 20, maxExtent=Y_AXIS - 20),
            ),
            tooltip=[
                alt.Tooltip("month:T", title="Mois", format="%m/%Y"),
                alt.Tooltip("hours:Q", title="Heures", format=",.2~f"),
            ],
        )
        .properties(height=160)
    )
    return _french(chart)


ROW = 20  # pixels per centre on the completeness heatmap


def completeness_heatmap(matrix: pl.DataFrame, names: dict[str, str]) -> alt.TopLevelMixin:
    """Centre × month, coloured by the share of active trainees whose hours arrived; grey when
    the centre had no active trainee that month."""
    frame = matrix.with_columns(
        pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("centre"),
        pl.when(pl.col("share").is_null())
        .then(pl.lit("aucun stagiaire actif"))
        .otherwise((pl.col("share") * 100).round(0).cast(pl.Int64).cast(pl.String) + " %")
        .alias("share_text"),
    )
    centres = frame["centre"].unique(maintain_order=True).to_list()
    # Every centre named: one 20 px row each, labels never dropped for overlap nor cut.
    chart = (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=0.5, invalid="show")
        .encode(
            x=alt.X("month:O", timeUnit="yearmonth", title=None, axis=alt.Axis(format="%m/%Y")),
            y=alt.Y(
                "centre:N",
                sort=centres,
                title=None,
                axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False, labelFontSize=11),
            ),
            color=alt.condition(
                "datum.share == null",
                alt.value("#eeeeee"),
                alt.Color(
                    "share:Q",
                    title="Heures reçues",
                    scale=alt.Scale(domain=[0, 1], scheme="blues"),
                    legend=alt.Legend(format=".0%"),
                ),
            ),
            tooltip=[
                alt.Tooltip("centre:N", title="Centre"),
                alt.Tooltip("month:T", title="Mois", format="%m/%Y"),
                alt.Tooltip("share_text:N", title="Stagiaires actifs avec heures"),
            ],
        )
        .properties(height=max(120, ROW * len(centres)))
    )
    return _french(chart)


def build_durations(builds: pl.DataFrame) -> alt.TopLevelMixin:
    """Duration of the last builds (oldest left), coloured by outcome."""
    from parcours.core.dates import local_time

    builds = builds.sort("started")
    frame = builds.with_columns(
        frames.each(builds, "started", lambda d: local_time(d.isoformat())).alias("when")
    )
    chart = (
        alt.Chart(frame)
        .mark_bar(size=18)
        .encode(
            x=alt.X("when:N", sort=None, title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("seconds:Q", title="Durée (secondes)"),
            color=colour(frame, "status_fr", None, "build_status"),
            tooltip=[
                alt.Tooltip("when:N", title="Début"),
                alt.Tooltip("seconds:Q", title="Durée (s)", format=",.0f"),
                alt.Tooltip("status_fr:N", title="Résultat"),
                alt.Tooltip("actor:N", title="Par"),
            ],
        )
        .properties(height=180)
    )
    return _french(chart)
