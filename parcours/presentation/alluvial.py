"""A Sankey diagram drawn with Vega-Lite: one stacked bar per stage (a node per category), linked
by bands (one per link between consecutive stages) whose width is the link's count. Pure
functions of frames; no new dependency.

- Node colours: the `state` list of colours.yml for the stages after the entry (the same colour
  as on the chronogram); the situation at entry has no colour list: its nodes are outlined, not
  filled, each named beside it.
- Bands take the colour of the category they leave (those leaving the entry, of the one they
  reach), paler; the legend is the nodes' (full colour, square, every category drawn).
- A masked link (its count null, `<count>_masked`) is drawn at a nominal width, pale and
  outlined with dashes, and its tooltip says « < 5 » or « masqué »: it stays visible, and its
  width gives nothing away (it is the same for every masked link).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.core import frames
from parcours.presentation import formatting as fmt
from parcours.presentation import palette as pal
from parcours.presentation.charts import colour, french, legend_columns

MASKED_WIDTH = 2.0  # drawn width of a masked path, in trainees (the same for every one)
NODE_HALF_WIDTH = 0.035  # in stage units (stages are 1 apart)
STEPS = 14  # points per band: a smooth S between two stages
ENTRY_OUTLINE = "#444444"  # entry nodes: outlined, not filled (no colour list for them)


def _smooth(t: float) -> float:
    return t * t * (3 - 2 * t)


def layout(
    links: pl.DataFrame,
    stages: list[str],
    orders: dict[str, list[str]],
    entry_stage: str | None = None,
    count: str = "trainees",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(bands, nodes) geometry. `links`: one row per link between consecutive stages
    (`source_stage`, `source`, `target_stage`, `target` codes and their `_label`s, `count` —
    null when masked — `<count>_masked`, `<count>_shown`). `orders`: the codes of each stage in
    drawing order (top first). A band takes the colour of its source, or of its target when
    it leaves `entry_stage` (`colour_label`)."""
    rows = links.with_row_index("__link").to_dicts()
    masked_flag = f"{count}_masked"
    for r in rows:
        r["__w"] = MASKED_WIDTH if r.get(masked_flag) else float(r[count] or 0)
    rows = [r for r in rows if r["__w"] > 0]
    rank = {s: {c: i for i, c in enumerate(orders[s])} for s in stages}

    def size(stage: str, code: str) -> float:
        out = sum(r["__w"] for r in rows if r["source_stage"] == stage and r["source"] == code)
        into = sum(r["__w"] for r in rows if r["target_stage"] == stage and r["target"] == code)
        return max(out, into)

    codes = {
        stage: sorted(
            {r["source"] for r in rows if r["source_stage"] == stage}
            | {r["target"] for r in rows if r["target_stage"] == stage},
            key=lambda c, s=stage: rank[s].get(c, 99),
        )
        for stage in stages
    }
    tallest = max((sum(size(s, c) for c in codes[s]) for s in stages), default=1.0) or 1.0
    gap = tallest * 0.04
    labels = {}
    for r in rows:
        labels[(r["source_stage"], r["source"])] = r["source_label"]
        labels[(r["target_stage"], r["target"])] = r["target_label"]
    node_pos: dict[tuple[str, str], float] = {}
    node_rows = []
    for si, stage in enumerate(stages):
        y = 0.0
        for code in codes[stage]:
            height = size(stage, code)
            node_pos[(stage, code)] = y
            node_rows.append(
                {
                    "stage": stage,
                    "x": si,
                    "code": code,
                    "label": labels[(stage, code)],
                    "y0": y,
                    "y1": y + height,
                }
            )
            y += height + gap

    # Links leave a node ordered by where they go and reach one ordered by where they come
    # from (the fewest crossings).
    starts, ends = {}, {}
    cursor = dict(node_pos)
    for r in sorted(rows, key=lambda r: rank[r["target_stage"]].get(r["target"], 99)):
        key = (r["source_stage"], r["source"])
        starts[r["__link"]] = (cursor[key], cursor[key] + r["__w"])
        cursor[key] += r["__w"]
    cursor = dict(node_pos)
    for r in sorted(rows, key=lambda r: rank[r["source_stage"]].get(r["source"], 99)):
        key = (r["target_stage"], r["target"])
        ends[r["__link"]] = (cursor[key], cursor[key] + r["__w"])
        cursor[key] += r["__w"]
    band_rows = []
    for r in rows:
        si = stages.index(r["source_stage"])
        x0, x1 = si + NODE_HALF_WIDTH, si + 1 - NODE_HALF_WIDTH
        (a0, a1), (b0, b1) = starts[r["__link"]], ends[r["__link"]]
        colour_label = r["target_label"] if r["source_stage"] == entry_stage else r["source_label"]
        for step in range(STEPS + 1):
            t = step / STEPS
            sm = _smooth(t)
            band_rows.append(
                {
                    "band": str(r["__link"]),
                    "x": x0 + (x1 - x0) * t,
                    "y0": a0 + (b0 - a0) * sm,
                    "y1": a1 + (b1 - a1) * sm,
                    "link": int(r["__link"]),
                    "masked": bool(r.get(masked_flag)),
                    "shown": fmt.shown_text(r.get(f"{count}_shown")),
                    "colour_label": colour_label,
                    "source_stage_label": r.get("source_stage_label"),
                    "source_label": r["source_label"],
                    "target_stage_label": r.get("target_stage_label"),
                    "target_label": r["target_label"],
                }
            )
    return pl.DataFrame(band_rows), pl.DataFrame(node_rows)


def alluvial(
    links: pl.DataFrame,
    nodes: pl.DataFrame,
    stages: dict[str, str],
    orders: dict[str, list[str]],
    *,
    palette: str,
    colour_title: str = "Situation",
    entry_stage: str | None = None,
    height: int = 440,
) -> alt.LayerChart:
    """The diagram. `nodes`: one row per stage × category with `stage`, `code`, `trainees` and
    `trainees_shown` (the count to show, « < 5 » / « masqué » when masked). `stages`: stage
    column → title (in order). Bands are coloured by their source's category (by their
    target's when they leave `entry_stage`, which has no colour list)."""
    stage_cols = list(stages)
    bands, geometry = layout(links, stage_cols, orders, entry_stage)
    shown = nodes.select(
        "stage",
        "code",
        frames.each(nodes, "trainees_shown", fmt.shown_text, skip_nulls=False).alias("shown"),
    )
    geometry = geometry.join(shown, on=["stage", "code"], how="left").with_columns(
        pl.col("stage").replace_strict(stages).alias("stage_title"),
        ((pl.col("y0") + pl.col("y1")) / 2).alias("ym"),
        (pl.col("x") - NODE_HALF_WIDTH).alias("xa"),
        (pl.col("x") + NODE_HALF_WIDTH).alias("xb"),
        pl.concat_str(pl.col("label"), pl.lit(" ("), pl.col("shown"), pl.lit(")")).alias("text"),
    )
    total = max(float(geometry["y1"].max() or 1.0), 1.0)
    y_scale = alt.Scale(domain=[0, total], reverse=True, nice=False, zero=False)
    x_scale = alt.Scale(domain=[-0.9, len(stage_cols) - 0.1], nice=False, zero=False)
    titles = list(stages.values())
    label_expr = (
        " : ".join(f"datum.value == {i} ? {title!r}" for i, title in enumerate(titles)) + " : ''"
    )
    x_axis = alt.Axis(
        values=list(range(len(stage_cols))),
        labelExpr=label_expr,
        title=None,
        orient="top",
        grid=False,
        domain=False,
        ticks=False,
        labelFontWeight="bold",
        labelFontSize=12,
    )
    # The bands are pale versions of the nodes' colours: the legend (one, the scale being shared)
    # is the nodes' — full colour, square like them, every category drawn.
    state_nodes = geometry
    if entry_stage is not None:
        state_nodes = geometry.filter(pl.col("stage") != entry_stage)
    drawn = [label for label in state_nodes["label"].unique(maintain_order=True) if label]
    shown = pal.shown(palette, drawn)
    legend = alt.Legend(
        values=shown,
        columns=legend_columns(shown),
        symbolType="square",
        symbolOpacity=1,
        symbolStrokeWidth=0,
    )
    node_colour = colour(state_nodes, "label", colour_title, palette).to_dict()
    node_colour = alt.Color(**{**node_colour, "legend": legend})
    band_colour = colour(bands, "colour_label", colour_title, palette).to_dict()
    band_colour = alt.Color(**{**band_colour, "legend": legend})
    tooltip = [
        alt.Tooltip("source_stage_label:N", title="De"),
        alt.Tooltip("source_label:N", title="Situation de départ"),
        alt.Tooltip("target_stage_label:N", title="Vers"),
        alt.Tooltip("target_label:N", title="Situation d'arrivée"),
        alt.Tooltip("shown:N", title="Stagiaires"),
    ]
    base = alt.Chart(bands).encode(
        x=alt.X("x:Q", scale=x_scale, axis=x_axis),
        y=alt.Y("y0:Q", scale=y_scale, axis=None, stack=None),
        y2="y1:Q",
        detail="band:N",
        tooltip=tooltip,
    )
    drawn = base.transform_filter("!datum.masked").mark_area(opacity=0.45, interpolate="linear")
    masked = base.transform_filter("datum.masked").mark_area(
        opacity=0.18, strokeDash=[3, 2], strokeWidth=1, stroke="#555555", interpolate="linear"
    )
    drawn = drawn.encode(color=band_colour)
    masked = masked.encode(color=band_colour)

    node_tooltip = [
        alt.Tooltip("stage_title:N", title="Étape"),
        alt.Tooltip("label:N", title="Situation"),
        alt.Tooltip("shown:N", title="Stagiaires"),
    ]

    def node_chart(frame: pl.DataFrame) -> alt.Chart:
        return alt.Chart(frame).encode(
            x=alt.X("xa:Q", scale=x_scale, axis=x_axis),
            x2="xb:Q",
            y=alt.Y("y0:Q", scale=y_scale, axis=None),
            y2="y1:Q",
            tooltip=node_tooltip,
        )

    layers = [drawn, masked]
    # Each layer has its own rows: a colour scale only ever sees the labels of its list.
    if entry_stage is not None:
        layers.append(
            node_chart(geometry.filter(pl.col("stage") == entry_stage)).mark_rect(
                fill="white", stroke=ENTRY_OUTLINE, strokeWidth=1.5
            )
        )
    layers.append(
        node_chart(state_nodes).mark_rect(stroke="white", strokeWidth=0.5).encode(color=node_colour)
    )
    text = alt.Chart(geometry).encode(
        y=alt.Y("ym:Q", scale=y_scale, axis=None),
        text="text:N",
        tooltip=node_tooltip,
    )
    layers.append(
        text.transform_filter("datum.x == 0")
        .mark_text(align="right", dx=-4, fontSize=11, color="#222222")
        .encode(x=alt.X("xa:Q", scale=x_scale, axis=x_axis))
    )
    layers.append(
        text.transform_filter("datum.x > 0")
        .mark_text(align="left", dx=4, fontSize=11, color="#222222")
        .encode(x=alt.X("xb:Q", scale=x_scale, axis=x_axis))
    )
    return (
        french(alt.layer(*layers).properties(height=height))
        .configure_view(stroke=None)
        .configure_legend(orient="bottom", titleFontSize=12, labelFontSize=12)
    )
