"""Altair chart builders: pure functions of data frames, French titles, Belgian number formats.

- Numbers in axes and tooltips follow the French locale set in each chart's config (`1 234`,
  `12,5 %`, French month names).
- Colours: every colour encoding has an explicit scale with the full domain of its list and its
  colours from `parcours/contract/colours.yml` (see `palette`): a code keeps its colour on every
  chart and whatever is filtered. Pass `palette="situation.group"` (the list the colour field
  holds the labels of); without it, the list is the first one that names every label drawn.
- Masked values: a row whose value is masked (its `masked` column is true, or, without that
  column, its value is null — see `analytics.masking`) keeps its place on the axis and is drawn
  as a « < 5 » marker (« masqué » for a share or a mean); lines break there, they never join the
  points on either side.
- Long category labels are wrapped on several lines, never cut; the tooltip names them in full.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence

import altair as alt
import polars as pl

from parcours.presentation import formatting as fmt
from parcours.presentation import palette as pal
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
# A whole number that is not a count (months): whole ticks, « masqué » when masked; grouped by
# thousands like every number (« 1 445 », never « 1445 »).
WHOLE = ",d"
# What Vega writes for a number no format names (a tooltip or a text mark without `format`):
# grouped by thousands, at most two decimals, no trailing zeros (« 7 288 », « 12,5 »).
NUMBER_FORMAT = ",.2~f"
PCT = ".1%"
DEC = ",.1f"
# The barrier groups' colours (kept for callers that pass `colors=`; prefer `palette=`).
GROUP_COLOURS = pal.colours("barrier.group")

# Columns the builders add to the data they draw.
HIDDEN = "non_dessine"  # the value is not drawn (masked or missing)
MARKER = "marque"  # what is written instead: « < 5 » or « masqué »
COUNT_MASK = fmt.MASKED_COUNT
SHARE_MASK = fmt.MASKED

# Lines: up to this many masked points are marked « < 5 » in words, more with a stroke each.
MAX_TEXT_MARKERS = 12
# Masked markers written in words must not run into each other: a word is ~6 px a character at
# 10-11 px type, and a chart of the main column is at least PLOT_WIDTH pixels wide.
PLOT_WIDTH = 560
CHAR_PX = 6


def words_fit(all_x: Sequence, marked_x: Sequence, text: str, width: int = PLOT_WIDTH) -> bool:
    """Whether a word written at each of `marked_x` (on an axis of the values `all_x`: numbers
    and dates by value, anything else by rank) stays clear of the next: the closest two marked
    points are at least the word's width apart on a chart `width` pixels wide."""
    values = [x for x in all_x if x is not None]
    if values and all(isinstance(x, int | float) or hasattr(x, "toordinal") for x in values):

        def place(x):
            return float(x.toordinal()) if hasattr(x, "toordinal") else float(x)

        every = sorted({place(x) for x in values})
        marked = sorted({place(x) for x in marked_x if x is not None})
    else:
        rank = {x: float(i) for i, x in enumerate(dict.fromkeys(values))}
        every = sorted(rank.values())
        marked = sorted({rank[x] for x in marked_x if x in rank})
    if len(marked) < 2 or len(every) < 2:
        return True
    span = (every[-1] - every[0]) or 1.0
    gap = min(b - a for a, b in zip(marked, marked[1:], strict=False))
    return gap / span * width >= len(text) * CHAR_PX + 4


# Category labels: wrapped at this many characters (a line of 12 px type is ~7 px a character).
WRAP = 34
LABEL_LIMIT = 400
LINE_HEIGHT = 15


# --- colours ------------------------------------------------------------------------------


def _infer_palette(values: Sequence) -> str | None:
    """The first list (colours.yml order) that names every label drawn; years → `year`."""
    drawn = [v for v in dict.fromkeys(values) if v is not None]
    if drawn and all(re.fullmatch(r"(19|20)\d\d", str(v)) for v in drawn):
        return pal.YEAR
    for name in pal.LABELS:
        if set(drawn) <= set(pal.colours(name)):
            return name
    return None


def colour(
    frame: pl.DataFrame,
    field: str,
    title: str | None,
    palette: str | None = None,
    colors: dict[str, str] | None = None,
    legend: bool = True,
) -> alt.Color:
    """The colour encoding of `field`: domain = every label of the list, range = their colours;
    the legend lists the labels drawn only."""
    present = frame[field].unique(maintain_order=True).to_list() if field in frame.columns else []
    if colors:
        mapping = dict(colors)
        for value in present:
            mapping.setdefault(value, pal.UNLISTED)
    else:
        name = palette or _infer_palette(present)
        if name is None:
            mapping = {v: pal.UNLISTED for v in present if v is not None}
            pal.log.warning("no colour list names %r", present)
        else:
            mapping = pal.mapping(name, present)
    shown = [label for label in mapping if label in set(present)]
    return alt.Color(
        f"{field}:N",
        title=title,
        scale=alt.Scale(domain=list(mapping), range=list(mapping.values())),
        legend=alt.Legend(values=shown, columns=legend_columns(shown)) if legend else None,
    )


LEGEND_WIDTH = 800  # pixels a legend under a chart may use (a chart of the main column)


def legend_columns(labels: Sequence) -> int:
    """Columns of a legend under a chart: as many as fit, so that no entry is cut at the edge
    (a legend on one row runs past the chart's width)."""
    longest = max((len(str(label)) for label in labels), default=10)
    per_entry = 7 * longest + 40  # ~7 px a character at 12 px, plus the symbol and the gap
    return max(1, min(len(labels) or 1, LEGEND_WIDTH // per_entry))


# --- masked values and labels -------------------------------------------------------------


def marked(frame: pl.DataFrame, value: str, value_format: str = INT) -> pl.DataFrame:
    """The frame with `HIDDEN` (the value is not drawn) and `MARKER` (« < 5 » or « masqué »
    where the value is masked, else null)."""
    missing = pl.col(value).is_null() if value in frame.columns else pl.lit(True)
    masked = pl.col("masked").fill_null(False) if "masked" in frame.columns else missing
    text = COUNT_MASK if value_format == INT else SHARE_MASK
    return frame.with_columns(
        (masked | missing).alias(HIDDEN),
        pl.when(masked).then(pl.lit(text)).otherwise(pl.lit(None, pl.String)).alias(MARKER),
    )


def wrap(label: str, width: int = WRAP) -> list[str]:
    """A label cut into lines of at most `width` characters, at spaces."""
    return textwrap.wrap(str(label), width, break_long_words=False) or [str(label)]


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def wrapped_axis(labels: Sequence, width: int = WRAP, **kwargs) -> alt.Axis:
    """An axis whose long labels are written on several lines (never cut with « … »)."""
    long = {str(v): wrap(v, width) for v in labels if v is not None and len(str(v)) > width}
    expr = "datum.label"
    for text, lines in long.items():
        expr = f"datum.label == {_js(text)} ? {_js(lines)} : ({expr})"
    return alt.Axis(
        labelExpr=expr if long else alt.Undefined,
        labelLimit=LABEL_LIMIT,
        labelOverlap=False,
        labelLineHeight=LINE_HEIGHT,
        **kwargs,
    )


def rows_height(labels: Sequence, per_row: int = 34, width: int = WRAP) -> int:
    """Pixels for a band axis of these labels, each row as tall as its wrapped label needs."""
    return sum(max(per_row, LINE_HEIGHT * len(wrap(v, width)) + 12) for v in labels)


def _order(frame: pl.DataFrame, category: str, value: str, sort) -> list:
    """The categories in drawing order: as given, as they come (None), or by total (« -x »:
    largest first), the masked ones after the drawn ones."""
    if category not in frame.columns:
        return []
    cats = frame[category].unique(maintain_order=True).to_list()
    if isinstance(sort, list):
        return [*sort, *[c for c in cats if c not in sort]]
    if sort not in ("-x", "x", "-y", "y") or value not in frame.columns:
        return cats
    totals = frame.group_by(category, maintain_order=True).agg(
        pl.col(value).cast(pl.Float64).sum().alias("__total"),
        pl.col(value).is_not_null().any().alias("__drawn"),
    )
    descending = sort.startswith("-")
    rows = totals.iter_rows()
    keyed = sorted(rows, key=lambda r: (not r[2], -(r[1] or 0) if descending else (r[1] or 0)))
    return [r[0] for r in keyed]


def _markers(
    data: pl.DataFrame,
    value: str,
    category: str,
    enc: dict,
    *,
    horizontal: bool,
    stacked: bool,
) -> alt.Chart | None:
    """« < 5 » where a value is masked: at the end of the category's drawn bars (one per
    category when stacked)."""
    if data.is_empty() or not data[MARKER].is_not_null().any():
        return None
    base = alt.Chart(data)
    if stacked:
        base = (
            base.transform_joinaggregate(total=f"sum({value})", groupby=[category])
            .transform_filter(f"datum.{MARKER} != null")
            .transform_aggregate(total="max(total)", marque=f"min({MARKER})", groupby=[category])
        )
    else:
        base = base.transform_filter(f"datum.{MARKER} != null").transform_calculate(total="0")
    base = base.transform_calculate(total="datum.total || 0")
    axis_value = alt.X("total:Q") if horizontal else alt.Y("total:Q")
    # Columns side by side (months): written upwards when the words would run into each other.
    masked_rows = data.filter(pl.col(MARKER).is_not_null())
    upright = not horizontal and not words_fit(
        data[category].to_list(), masked_rows[category].to_list(), max(masked_rows[MARKER], key=len)
    )
    text = base.mark_text(
        align="left" if horizontal or upright else "center",
        baseline="middle" if horizontal or upright else "bottom",
        dx=4 if horizontal or upright else 0,
        dy=0 if horizontal or upright else -3,
        angle=270 if upright else 0,
        fontSize=11,
        color="#444",
    ).encode(
        text=alt.Text(f"{MARKER}:N"),
        tooltip=[
            alt.Tooltip(f"{category}:N", title=enc["category_title"]),
            alt.Tooltip(f"{MARKER}:N", title="Effectif masqué"),
        ],
        **(
            {"x": axis_value, "y": enc["category"]}
            if horizontal
            else {"y": axis_value, "x": enc["category"]}
        ),
    )
    return text


# --- frame -----------------------------------------------------------------------------------


def _axis(value_format: str) -> alt.Axis:
    """A quantitative axis; counts get whole-number ticks only (no « 0 0 1 1 2 »), shares
    whole percentages (« 20 % », the tooltips keep one decimal)."""
    if value_format in (INT, WHOLE):
        return alt.Axis(format=value_format, tickMinStep=1, tickCount=8)
    if value_format == PCT:
        return alt.Axis(format=".0%")
    return alt.Axis(format=value_format)


def french(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The one place a chart gets its French number and date formats: the Belgian locale
    (`1 234`, `12,5 %`, French month names) and the format of any number no field names. Every
    builder (charts, page_charts, alluvial) ends with it; tests/test_app_colours.py checks each
    chart of each page."""
    return chart.configure(locale=LOCALE, numberFormat=NUMBER_FORMAT)


def _finish(
    chart: alt.Chart | alt.LayerChart, height: int = 320, legend: bool = False
) -> alt.Chart:
    """Size and French configuration. In Streamlit the chart's height includes a legend placed
    below the plot, so room is added for it (otherwise the plot itself shrinks)."""
    return (
        french(chart.properties(height=height + (90 if legend else 0)))
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(
            orient="bottom", titleFontSize=12, labelFontSize=12, labelLimit=LABEL_LIMIT
        )
    )


# --- builders ------------------------------------------------------------------------------


def bar(
    frame: pl.DataFrame,
    category: str,
    value: str,
    *,
    category_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    palette: str | None = None,
    value_format: str = INT,
    tooltip: list | None = None,
    sort: str | list | None = "-x",
    height: int | None = None,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Horizontal bars, one per category (stacked when `color` is given, coloured from its
    `palette`). A masked value is a « < 5 » marker at the end of its category's bars."""
    data = marked(frame, value, value_format)
    order = _order(data, category, value, sort)
    y = alt.Y(
        f"{category}:N",
        title=category_title,
        sort=order,
        scale=alt.Scale(domain=order),
        axis=wrapped_axis(order),
    )
    enc = {
        "y": y,
        "x": alt.X(f"{value}:Q", title=value_title, axis=_axis(value_format)),
        "tooltip": tooltip
        or [
            alt.Tooltip(f"{category}:N", title=category_title),
            *([alt.Tooltip(f"{color}:N", title=color_title)] if color else []),
            alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
        ],
    }
    if color:
        # A colour that repeats the category needs no legend: the axis names each bar.
        enc["color"] = colour(data, color, color_title, palette, colors, legend=color != category)
    bars = alt.Chart(data).transform_filter(f"!datum.{HIDDEN}").mark_bar().encode(**enc)
    markers = _markers(
        data,
        value,
        category,
        {"category": y, "category_title": category_title},
        horizontal=True,
        stacked=color is not None,
    )
    chart = alt.layer(bars, markers) if markers is not None else bars
    legend = color is not None and color != category
    return _finish(chart, height or max(140, rows_height(order) + 60), legend=legend)


def columns(
    frame: pl.DataFrame,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    palette: str | None = None,
    x_type: str = "O",
    y_format: str = INT,
    stack: str | bool | None = True,
    tooltip: list | None = None,
    height: int = 320,
) -> alt.Chart:
    """Vertical columns over time or categories (stacked by `color`; `stack="normalize"` for
    shares). A masked value is a « < 5 » marker on top of its column."""
    data = marked(frame, y, y_format)
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
        enc["color"] = colour(data, color, color_title, palette)
        enc["tooltip"] = [alt.Tooltip(f"{color}:N", title=color_title), *enc["tooltip"]]
    n = data[x].n_unique() if x in data.columns else 6
    # Few columns: a capped width, so one year is not one bar across the whole page.
    mark = {"size": 80} if x_type != "T" and n <= 4 else {}
    bars = alt.Chart(data).transform_filter(f"!datum.{HIDDEN}").mark_bar(**mark).encode(**enc)
    markers = None
    if stack is True:
        markers = _markers(
            data,
            y,
            x,
            {"category": x_enc, "category_title": x_title},
            horizontal=False,
            stacked=True,
        )
    layers = [bars, *([markers] if markers is not None else [])]
    if x_type == "T" and x in data.columns and data[x].drop_nulls().len():
        # Every month of the span has its band, an empty month too (no data is not no month).
        first, last = data[x].min(), data[x].max()
        months = pl.date_range(first.replace(day=1), last.replace(day=1), "1mo", eager=True)
        layers.append(
            alt.Chart(pl.DataFrame({x: months}))
            .mark_point(opacity=0)
            .encode(x=x_enc, tooltip=alt.value(None))
        )
    chart = alt.layer(*layers) if len(layers) > 1 else bars
    return _finish(chart, height, legend=color is not None)


def lines(
    frame: pl.DataFrame,
    x: str,
    y: str,
    *,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_title: str | None = None,
    palette: str | None = None,
    x_type: str = "Q",
    y_format: str = INT,
    step: bool = False,
    points: bool = True,
    tooltip: list | None = None,
    y_domain: tuple[float, float] | None = None,
    height: int = 320,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Lines (or steps, for survival curves) over x, one per `color`. A masked value breaks its
    line (no segment joins the points around it) and is marked « < 5 » on the x axis."""
    data = marked(frame, y, y_format)
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
    colour_enc = None
    if color:
        colour_enc = colour(data, color, color_title, palette, colors)
        enc["color"] = colour_enc
        enc["tooltip"] = [alt.Tooltip(f"{color}:N", title=color_title), *enc["tooltip"]]
    has_markers = bool(data[MARKER].is_not_null().any())
    if has_markers:
        # One « < 5 » per masked point, just above the x axis; several series masked the same
        # month are stacked, each in its series' colour.
        low = y_domain[0] if y_domain else 0
        high = y_domain[1] if y_domain else (data[y].max() or 1)
        rank = pl.col(MARKER).is_not_null().cast(pl.Int32).cum_sum().over(x) - 1
        data = data.with_columns((low + rank * (high - low) * 0.07).alias("marque_y"))
    # Masked rows stay in the data: the path breaks at them instead of joining their neighbours.
    line = alt.Chart(data).mark_line(
        interpolate="step-after" if step else "linear",
        point=points and not step,
        invalid="break-paths-show-domains",
    )
    layers = [line.encode(**enc)]
    if has_markers:
        masked = alt.Chart(data).transform_filter(f"datum.{MARKER} != null")
        masked_rows = data.filter(pl.col(MARKER).is_not_null())
        longest = max(masked_rows[MARKER].to_list(), key=len)
        # Words at a few masked points, if they fit between each other; else a stroke each.
        few = masked_rows.height <= MAX_TEXT_MARKERS and words_fit(
            data[x].to_list(), masked_rows[x].to_list(), longest
        )
        # A few masked points: « < 5 » written at each; many (a long masked stretch): a short
        # stroke each, in the series' colour, the tooltip saying « < 5 » or « masqué ».
        mark = (
            masked.mark_text(baseline="bottom", dy=-2, fontSize=10)
            if few
            else masked.mark_tick(thickness=2, size=10, opacity=0.8)
        )
        layers.append(
            mark.encode(
                x=x_enc,
                y=alt.Y("marque_y:Q"),
                **({"text": alt.Text(f"{MARKER}:N")} if few else {}),
                **({"color": colour_enc} if colour_enc is not None else {}),
                tooltip=[
                    *([alt.Tooltip(f"{color}:N", title=color_title)] if color else []),
                    alt.Tooltip(f"{x}:{x_type}", title=x_title),
                    alt.Tooltip(f"{MARKER}:N", title=y_title),
                ],
            )
        )
    chart = alt.layer(*layers) if len(layers) > 1 else layers[0]
    return _finish(chart, height, legend=color is not None)


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
    """A grid of cells coloured by value, with the (pre-formatted) `label` written in each; a
    masked cell is grey with its « < 5 »."""
    xs = frame[x].unique(maintain_order=True).to_list() if x in frame.columns else []
    ys = frame[y].unique(maintain_order=True).to_list() if y in frame.columns else []
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:N",
            title=x_title,
            sort=xs,
            axis=alt.Axis(labelAngle=-35, labelLimit=LABEL_LIMIT, labelOverlap=False),
        ),
        y=alt.Y(f"{y}:N", title=y_title, sort=ys, axis=wrapped_axis(ys)),
    )
    top = frame[value].max() if value in frame.columns and frame.height else None
    # Masked cells (null) are drawn, grey, with their « < 5 »: `invalid="show"` keeps them.
    cells = base.mark_rect(invalid="show").encode(
        color=alt.condition(
            f"datum['{value}'] == null",
            alt.value("#e6e6e6"),
            alt.Color(
                f"{value}:Q",
                title=value_title,
                # A domain even when every cell is masked (the legend would read « NaN »).
                scale=alt.Scale(scheme="blues", domain=[0, float(top or 5)]),
                legend=alt.Legend(orient="right", format=value_format, tickMinStep=1),
            ),
        ),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{label or value}:{'N' if label else 'Q'}", title=value_title),
        ],
    )
    layers = [cells]
    if label:
        dark = f"datum['{value}'] > {0.6 * float(top)}" if top else "false"
        layers.append(
            base.mark_text(fontSize=11).encode(
                text=f"{label}:N",
                color=alt.condition(dark, alt.value("white"), alt.value("black")),
            )
        )
    longest = max((len(str(v)) for v in xs), default=10)
    # Rotated labels below the grid: their length × sin(35°) at ~7 px a character.
    return _finish(alt.layer(*layers), max(200, rows_height(ys, 36) + 60 + int(4 * longest)))


def dumbbell(
    frame: pl.DataFrame,
    category: str,
    first: str,
    latest: str,
    *,
    category_title: str,
    value_title: str,
    first_title: str = pal.MOMENTS["first"],
    latest_title: str = pal.MOMENTS["latest"],
    domain: tuple[float, float] = (0, 3),
) -> alt.Chart:
    """Two points per category joined by a rule: where people started and where they are now.
    A category whose levels are masked stays on the axis, marked « masqué »."""
    frame = marked(frame, first, DEC)
    long = frame.select(category, first, latest).unpivot(
        index=category, on=[first, latest], variable_name="moment", value_name="niveau"
    )
    long = long.with_columns(
        pl.col("moment").replace_strict({first: first_title, latest: latest_title})
    )
    cats = frame[category].unique(maintain_order=True).to_list()
    y = alt.Y(f"{category}:N", title=category_title, sort=cats, axis=wrapped_axis(cats))
    x_scale = alt.Scale(domain=list(domain))
    rule = (
        alt.Chart(frame)
        .transform_filter(f"!datum.{HIDDEN}")
        .mark_rule(color="#999", strokeWidth=2)
        .encode(y=y, x=alt.X(f"{first}:Q", scale=x_scale, title=value_title), x2=f"{latest}:Q")
    )
    dots = (
        alt.Chart(long)
        .transform_filter("datum.niveau != null")
        .mark_circle(size=120, opacity=1)
        .encode(
            y=y,
            x=alt.X(
                "niveau:Q",
                scale=x_scale,
                title=value_title,
                axis=alt.Axis(format=DEC, tickCount=7),
            ),
            color=colour(long, "moment", None, "moment")
            if {first_title, latest_title} <= set(pal.MOMENTS.values())
            else alt.Color("moment:N", title=None),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip("moment:N", title="Moment"),
                alt.Tooltip("niveau:Q", title=value_title, format=",.2f"),
            ],
        )
    )
    layers = [rule, dots]
    if frame[MARKER].is_not_null().any():
        layers.append(
            alt.Chart(frame)
            .transform_filter(f"datum.{MARKER} != null")
            .mark_text(align="left", dx=4, fontSize=11, color="#444")
            .encode(y=y, x=alt.datum(domain[0]), text=alt.Text(f"{MARKER}:N"))
        )
    return _finish(alt.layer(*layers), max(140, rows_height(cats) + 60), legend=True)


def grouped_bar(
    frame: pl.DataFrame,
    category: str,
    value: str,
    group: str,
    *,
    category_title: str,
    value_title: str,
    group_title: str,
    palette: str | None = None,
    value_format: str = PCT,
    extra_tooltip: list | None = None,
    domain: tuple[float, float] | None = (0, 1),
) -> alt.Chart:
    """Horizontal bars side by side within each category (one per `group`); a masked value is
    marked « masqué » in its place."""
    data = marked(frame, value, value_format)
    cats = data[category].unique(maintain_order=True).to_list() if category in data.columns else []
    x_scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    y = alt.Y(f"{category}:N", title=category_title, sort=cats, axis=wrapped_axis(cats, 24))
    offset = alt.YOffset(f"{group}:N")
    bars = (
        alt.Chart(data)
        .transform_filter(f"!datum.{HIDDEN}")
        .mark_bar()
        .encode(
            y=y,
            yOffset=offset,
            x=alt.X(
                f"{value}:Q", title=value_title, axis=_axis(value_format), scale=x_scale
            ),  # fmt: skip
            color=colour(data, group, group_title, palette),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{group}:N", title=group_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
                *(extra_tooltip or []),
            ],
        )
    )
    layers = [bars]
    if data[MARKER].is_not_null().any():
        layers.append(
            alt.Chart(data)
            .transform_filter(f"datum.{MARKER} != null")
            .mark_text(align="left", dx=4, fontSize=10, color="#444")
            .encode(
                y=y,
                yOffset=offset,
                x=alt.datum(domain[0] if domain else 0),
                text=alt.Text(f"{MARKER}:N"),
                tooltip=[
                    alt.Tooltip(f"{category}:N", title=category_title),
                    alt.Tooltip(f"{group}:N", title=group_title),
                    alt.Tooltip(f"{MARKER}:N", title=value_title),
                ],
            )
        )
    return _finish(
        alt.layer(*layers) if len(layers) > 1 else bars,
        max(140, rows_height(cats, 44, 24) + 60),
        legend=True,
    )


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
    """A point (median) and a bar from the first to the third quartile, per category; a masked
    category stays on the axis, marked « masqué »."""
    data = marked(frame, mid, DEC)
    cats = data[category].unique(maintain_order=True).to_list() if category in data.columns else []
    y = alt.Y(f"{category}:N", title=category_title, sort=cats, axis=wrapped_axis(cats))
    tips = tooltip or [
        alt.Tooltip(f"{category}:N", title=category_title),
        alt.Tooltip(f"{mid}:Q", title="Médiane", format=INT),
        alt.Tooltip(f"{low}:Q", title="1er quartile", format=INT),
        alt.Tooltip(f"{high}:Q", title="3e quartile", format=INT),
    ]
    drawn = alt.Chart(data).transform_filter(f"!datum.{HIDDEN}")
    # The quartile bar at 0.75 opacity: its blend with the white page keeps 3:1 contrast.
    bar = drawn.mark_rule(strokeWidth=6, opacity=0.75, color="#0072B2").encode(
        y=y, x=alt.X(f"{low}:Q", title=value_title), x2=f"{high}:Q", tooltip=tips
    )
    dot = drawn.mark_circle(size=110, color="#004488", opacity=1).encode(
        y=y, x=alt.X(f"{mid}:Q", title=value_title), tooltip=tips
    )
    layers = [bar, dot]
    if data[MARKER].is_not_null().any():
        layers.append(
            alt.Chart(data)
            .transform_filter(f"datum.{MARKER} != null")
            .mark_text(align="left", dx=4, fontSize=11, color="#444")
            .encode(y=y, x=alt.datum(0), text=alt.Text(f"{MARKER}:N"))
        )
    return _finish(alt.layer(*layers), max(140, rows_height(cats) + 60))


def spread(
    points: pl.DataFrame,
    references: pl.DataFrame,
    *,
    value_title: str,
    value_format: str = PCT,
) -> alt.LayerChart:
    """The spread of centres on one figure: one tick per centre (`points.value`, unnamed: a
    distribution, not a league table), and a rule per reference level (`references`: level,
    level_label, value — a masked level is not drawn; the page names it « masqué »)."""
    names = pal.labels("benchmark")
    dots = points.select("value").with_columns(pl.lit(names["point"]).alias("niveau"))
    refs = references.filter(pl.col("value").is_not_null()).select(
        "value",
        pl.col("level").replace_strict(names, default=pl.col("level")).alias("niveau"),
        pl.col("level_label").alias("libelle"),
    )
    values = [*dots["value"].to_list(), *refs["value"].to_list()]
    domain = [0, 1] if value_format == PCT else [0, max(values or [1]) * 1.1]
    x = alt.X(
        "value:Q", title=value_title, scale=alt.Scale(domain=domain), axis=_axis(value_format)
    )
    both = pl.concat([dots.with_columns(libelle=pl.col("niveau")), refs], how="diagonal")
    color = colour(both, "niveau", None, "benchmark")
    ticks = (
        alt.Chart(dots)
        .mark_tick(thickness=2, size=36, opacity=0.7)
        .encode(
            x=x,
            color=color,
            tooltip=[alt.Tooltip("value:Q", title=value_title, format=value_format)],
        )
    )
    rules = (
        alt.Chart(refs)
        .mark_rule(strokeWidth=3)
        .encode(
            x=x,
            color=color,
            tooltip=[
                alt.Tooltip("libelle:N", title="Niveau"),
                alt.Tooltip("value:Q", title=value_title, format=value_format),
            ],
        )
    )

    return _finish(alt.layer(ticks, rules), height=90, legend=True)
