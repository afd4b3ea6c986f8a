"""Altair chart builders: pure functions of data frames, French titles, Belgian number formats.

Numbers in axes and tooltips follow the French locale set in each chart's config (`1 234`,
`12,5 %`, French month names). Masked counts (null, see `analytics.masking`) are left out of the
marks; the tables under the charts show them as « < 5 ».
"""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.presentation.formatting import MONTHS_FR, MONTHS_FR_SHORT, THIN

LOCALE = alt.Locale(
    number={
        "decimal": ",",
        "thousands": THIN,
        "grouping": [3],
        "currency": ["", f"{THIN}€"],
        "percent": f"{THIN}%",
    },
    time={
        "dateTime": "%A %e %B %Y à %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["", ""],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTHS_FR),
        "shortMonths": list(MONTHS_FR_SHORT),
    },
)
INT = ",.0f"
PCT = ".1%"
DEC = ",.1f"
# Colour-blind-safe categorical palette (Tableau 10).
PALETTE = "tableau10"
GROUP_COLOURS = {
    "Psychosocial": "#4e79a7",
    "Matériel": "#f28e2b",
    "Compétences": "#59a14f",
    "Autre": "#bab0ac",
    "Tous les freins": "#555555",
}


def _axis(value_format: str) -> alt.Axis:
    """A quantitative axis; counts get whole-number ticks only (no « 0 0 1 1 2 »)."""
    if value_format == INT:
        return alt.Axis(format=value_format, tickMinStep=1, tickCount=8)
    return alt.Axis(format=value_format)


def _scale(colors: dict[str, str] | None, present=None) -> alt.Scale:
    if colors:
        if present is not None:
            shown = set(present)
            colors = {k: v for k, v in colors.items() if k in shown}
        return alt.Scale(domain=list(colors), range=list(colors.values()))
    return alt.Scale(scheme=PALETTE)


def _finish(
    chart: alt.Chart | alt.LayerChart, height: int = 320, legend: bool = False
) -> alt.Chart:
    """Size and French configuration. In Streamlit the chart's height includes a legend placed
    below the plot, so room is added for it (otherwise the plot itself shrinks)."""
    return (
        chart.properties(height=height + (90 if legend else 0))
        .configure(locale=LOCALE)
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(orient="bottom", titleFontSize=12, labelFontSize=12, labelLimit=260)
    )


def bar(
    frame: pl.DataFrame,
    category: str,
    value: str,
    *,
    category_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    value_format: str = INT,
    tooltip: list | None = None,
    sort: str | list | None = "-x",
    height: int | None = None,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Horizontal bars, one per category (stacked when `color` is given; `colors`: fixed colour
    per value, so a group keeps its colour from chart to chart)."""
    enc = {
        "y": alt.Y(f"{category}:N", title=category_title, sort=sort, axis=alt.Axis(labelLimit=260)),
        "x": alt.X(f"{value}:Q", title=value_title, axis=_axis(value_format)),
        "tooltip": tooltip
        or [
            alt.Tooltip(f"{category}:N", title=category_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
        ],
    }
    if color:
        scale = _scale(colors, frame[color])
        enc["color"] = alt.Color(f"{color}:N", title=color_title, scale=scale)
    n = frame[category].n_unique() if category in frame.columns else 5
    return _finish(
        alt.Chart(frame).mark_bar().encode(**enc),
        height or max(140, 34 * n + 60),
        legend=color is not None,
    )


def columns(
    frame: pl.DataFrame,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    x_type: str = "O",
    y_format: str = INT,
    stack: str | bool | None = True,
    tooltip: list | None = None,
    height: int = 320,
) -> alt.Chart:
    """Vertical columns over time or categories (stacked by `color`; `stack="normalize"` for
    shares)."""
    if x_type == "T":
        # One bar per month, labelled « févr. 2024 » (French month names from the locale).
        # A discrete band per month (`:O` with the time unit): a continuous time axis would add
        # a tick at the first day after the period, which reads as one more month.
        x_enc = alt.X(
            f"yearmonth({x}):O",
            title=x_title,
            axis=alt.Axis(format="%b %Y", formatType="time", labelAngle=-35),
        )
    else:
        x_enc = alt.X(
            f"{x}:{x_type}",
            title=x_title,
            axis=alt.Axis(labelAngle=0),
            scale=alt.Scale(paddingInner=0.25, paddingOuter=0.25),
        )
    enc = {
        "x": x_enc,
        "y": alt.Y(f"{y}:Q", title=y_title, stack=stack, axis=_axis(y_format)),
        "tooltip": tooltip
        or [
            alt.Tooltip(f"{x}:{x_type}", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        ],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title, scale=alt.Scale(scheme=PALETTE))
        enc["tooltip"] = [alt.Tooltip(f"{color}:N", title=color_title), *enc["tooltip"]]
    n = frame[x].n_unique() if x in frame.columns else 6
    # Few columns: a capped width, so one year is not one bar across the whole page.
    mark = (
        alt.Chart(frame).mark_bar(size=80)
        if x_type != "T" and n <= 4
        else alt.Chart(frame).mark_bar()
    )
    return _finish(mark.encode(**enc), height, legend=color is not None)


def lines(
    frame: pl.DataFrame,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    x_type: str = "Q",
    y_format: str = INT,
    step: bool = False,
    points: bool = True,
    tooltip: list | None = None,
    y_domain: tuple[float, float] | None = None,
    height: int = 320,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Lines (or steps, for survival curves) over x, one per `color`."""
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    x_enc = alt.X(f"{x}:{x_type}", title=x_title)
    if x_type == "T":
        x_enc = alt.X(
            f"{x}:T",
            title=x_title,
            axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 1}),
        )
    enc = {
        "x": x_enc,
        "y": alt.Y(f"{y}:Q", title=y_title, axis=_axis(y_format), scale=y_scale),
        "tooltip": tooltip
        or [
            alt.Tooltip(f"{x}:{x_type}", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        ],
    }
    if color:
        scale = _scale(colors, frame[color])
        enc["color"] = alt.Color(f"{color}:N", title=color_title, scale=scale)
        enc["tooltip"] = [alt.Tooltip(f"{color}:N", title=color_title), *enc["tooltip"]]
    mark = alt.Chart(frame).mark_line(
        interpolate="step-after" if step else "linear", point=points and not step
    )
    return _finish(mark.encode(**enc), height, legend=color is not None)


def heatmap(
    frame: pl.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    x_title: str,
    y_title: str,
    value_title: str,
    value_format: str = INT,
    label: str | None = None,
) -> alt.Chart:
    """A grid of cells coloured by value, with the (pre-formatted) `label` written in each."""
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:N",
            title=x_title,
            axis=alt.Axis(labelAngle=-35, labelLimit=200, labelOverlap=False),
        ),
        y=alt.Y(f"{y}:N", title=y_title, axis=alt.Axis(labelLimit=260)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=value_title,
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(orient="right", format=value_format, tickMinStep=1),
        ),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{label or value}:{'N' if label else 'Q'}", title=value_title),
        ],
    )
    layers = [cells]
    if label:
        top = frame[value].max() if value in frame.columns and frame.height else None
        dark = f"datum['{value}'] > {0.6 * float(top)}" if top else "false"
        layers.append(
            base.mark_text(fontSize=11).encode(
                text=f"{label}:N",
                color=alt.condition(dark, alt.value("white"), alt.value("black")),
            )
        )
    n = frame[y].n_unique() if y in frame.columns else 5
    # Rotated type labels below the grid take ~120 px of the height.
    return _finish(alt.layer(*layers), max(200, 36 * n + 170))


def dumbbell(
    frame: pl.DataFrame,
    category: str,
    first: str,
    latest: str,
    *,
    category_title: str,
    value_title: str,
    first_title: str = "Première évaluation",
    latest_title: str = "Dernière évaluation",
    domain: tuple[float, float] = (0, 3),
) -> alt.Chart:
    """Two points per category joined by a rule: where people started and where they are now."""
    long = frame.select(category, first, latest).unpivot(
        index=category, on=[first, latest], variable_name="moment", value_name="niveau"
    )
    long = long.with_columns(
        pl.col("moment").replace_strict({first: first_title, latest: latest_title})
    )
    y = alt.Y(f"{category}:N", title=category_title, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=list(domain))
    rule = (
        alt.Chart(frame)
        .mark_rule(color="#999", strokeWidth=2)
        .encode(y=y, x=alt.X(f"{first}:Q", scale=x_scale, title=value_title), x2=f"{latest}:Q")
    )
    dots = (
        alt.Chart(long)
        .mark_circle(size=120, opacity=1)
        .encode(
            y=y,
            x=alt.X(
                "niveau:Q",
                scale=x_scale,
                title=value_title,
                axis=alt.Axis(format=DEC, tickCount=7),
            ),
            color=alt.Color(
                "moment:N",
                title=None,
                scale=alt.Scale(domain=[first_title, latest_title], range=["#e15759", "#59a14f"]),
            ),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip("moment:N", title="Moment"),
                alt.Tooltip("niveau:Q", title=value_title, format=",.2f"),
            ],
        )
    )
    n = frame[category].n_unique() if category in frame.columns else 5
    return _finish(alt.layer(rule, dots), max(140, 34 * n + 60), legend=True)


def grouped_bar(
    frame: pl.DataFrame,
    category: str,
    value: str,
    group: str,
    *,
    category_title: str,
    value_title: str,
    group_title: str,
    value_format: str = PCT,
    extra_tooltip: list | None = None,
    domain: tuple[float, float] | None = (0, 1),
) -> alt.Chart:
    """Horizontal bars side by side within each category (one per `group`)."""
    x_scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset(f"{group}:N"),
            x=alt.X(
                f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format), scale=x_scale
            ),  # fmt: skip
            color=alt.Color(f"{group}:N", title=group_title, scale=alt.Scale(scheme=PALETTE)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{group}:N", title=group_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
                *(extra_tooltip or []),
            ],
        )
    )
    n = frame[category].n_unique() if category in frame.columns else 5
    return _finish(chart, max(140, 44 * n + 60), legend=True)


def ranges(
    frame: pl.DataFrame,
    category: str,
    low: str,
    mid: str,
    high: str,
    *,
    category_title: str,
    value_title: str,
    tooltip: list | None = None,
) -> alt.Chart:
    """A point (median) and a bar from the first to the third quartile, per category."""
    y = alt.Y(f"{category}:N", title=category_title, sort=None, axis=alt.Axis(labelLimit=260))
    tips = tooltip or [
        alt.Tooltip(f"{category}:N", title=category_title),
        alt.Tooltip(f"{mid}:Q", title="Médiane", format=INT),
        alt.Tooltip(f"{low}:Q", title="1er quartile", format=INT),
        alt.Tooltip(f"{high}:Q", title="3e quartile", format=INT),
    ]
    bar = (
        alt.Chart(frame)
        .mark_rule(strokeWidth=6, opacity=0.4, color="#4e79a7")
        .encode(y=y, x=alt.X(f"{low}:Q", title=value_title), x2=f"{high}:Q", tooltip=tips)
    )
    dot = (
        alt.Chart(frame)
        .mark_circle(size=110, color="#1f4e79", opacity=1)
        .encode(y=y, x=alt.X(f"{mid}:Q", title=value_title), tooltip=tips)
    )
    n = frame[category].n_unique() if category in frame.columns else 5
    return _finish(alt.layer(bar, dot), max(140, 34 * n + 60))
