"""An alluvial (Sankey-like) diagram drawn with Vega-Lite: one stacked bar per stage (a node per
category), linked by bands (one per path and pair of consecutive stages) whose width is the
path's count. Pure functions of frames; no new dependency.

- Node colours: the `state` list of colours.yml for the stages after the entry (the same colour
  as on the chronogram); the situation at entry has no colour list: its nodes are outlined, not
  filled, each named beside it.
- Bands are coloured by the destination at exit (the path's middle), so a colour can be followed
  from the entry to 12 months after.
- A masked path (its count null, `<count>_masked`) is drawn at a nominal width, pale and
  outlined with dashes, and its tooltip says « < 5 » or « masqué »: it stays visible, and its
  width gives nothing away (it is the same for every masked path).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.presentation.charts import LOCALE, colour

MASKED_WIDTH = 2.0  # drawn width of a masked path, in trainees (the same for every one)
NODE_HALF_WIDTH = 0.035  # in stage units (stages are 1 apart)
STEPS = 14  # points per band: a smooth S between two stages
ENTRY_OUTLINE = "#444444"  # entry nodes: outlined, not filled (no colour list for them)


def _smooth(t: float) -> float:
    return t * t * (3 - 2 * t)


def layout(
    paths: pl.DataFrame,
    stages: list[str],
    orders: dict[str, list[str]],
    count: str = "trainees",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(bands, nodes) geometry. `paths`: one row per path with a code column per stage, its
    `<stage>_label`, `count` (null when masked) and `<count>_masked`, `<count>_shown`.
    `orders`: the codes of each stage in drawing order (top first)."""
    rows = paths.with_row_index("__path").to_dicts()
    masked_flag = f"{count}_masked"
    for r in rows:
        r["__w"] = MASKED_WIDTH if r.get(masked_flag) else float(r[count] or 0)
    rows = [r for r in rows if r["__w"] > 0]
    total = sum(r["__w"] for r in rows) or 1.0
    gap = total * 0.04
    rank = {s: {c: i for i, c in enumerate(orders[s])} for s in stages}

    # Nodes: per stage, categories stacked top-down with a gap.
    node_pos: dict[tuple[str, str], tuple[float, float]] = {}
    node_rows = []
    for si, stage in enumerate(stages):
        codes = sorted({r[stage] for r in rows}, key=lambda c, s=stage: rank[s].get(c, 99))
        y = 0.0
        for code in codes:
            height = sum(r["__w"] for r in rows if r[stage] == code)
            node_pos[(stage, code)] = (y, y + height)
            label = next(r[f"{stage}_label"] for r in rows if r[stage] == code)
            node_rows.append(
                {"stage": stage, "x": si, "code": code, "label": label, "y0": y, "y1": y + height}
            )
            y += height + gap

    # Bands: for each pair of stages, the paths leave a node ordered by where they go, and
    # reach the next node ordered by where they come from (the fewest crossings).
    band_rows = []
    for si in range(len(stages) - 1):
        left, right = stages[si], stages[si + 1]
        others = [s for s in stages if s not in (left, right)]

        def key(r, first, second, others=others):
            return (
                rank[first].get(r[first], 99),
                rank[second].get(r[second], 99),
                *(rank[s].get(r[s], 99) for s in others),
            )

        starts, ends = {}, {}
        for side, first, second, out in ((left, left, right, starts), (right, right, left, ends)):
            cursor = {code: pos[0] for (s, code), pos in node_pos.items() if s == side}
            for r in sorted(rows, key=lambda r, a=first, b=second: key(r, a, b)):
                y0 = cursor[r[side]]
                out[r["__path"]] = (y0, y0 + r["__w"])
                cursor[r[side]] = y0 + r["__w"]
        x0, x1 = si + NODE_HALF_WIDTH, si + 1 - NODE_HALF_WIDTH
        for r in rows:
            (a0, a1), (b0, b1) = starts[r["__path"]], ends[r["__path"]]
            for step in range(STEPS + 1):
                t = step / STEPS
                s = _smooth(t)
                band_rows.append(
                    {
                        "band": f"{r['__path']}-{si}",
                        "x": x0 + (x1 - x0) * t,
                        "y0": a0 + (b0 - a0) * s,
                        "y1": a1 + (b1 - a1) * s,
                        "path": int(r["__path"]),
                        "segment": si,
                        "masked": bool(r.get(masked_flag)),
                        "shown": r.get(f"{count}_shown"),
                        **{f"{st}_label": r[f"{st}_label"] for st in stages},
                    }
                )
    return pl.DataFrame(band_rows), pl.DataFrame(node_rows)


def alluvial(
    paths: pl.DataFrame,
    nodes: pl.DataFrame,
    stages: dict[str, str],
    orders: dict[str, list[str]],
    *,
    colour_stage: str,
    palette: str,
    entry_stage: str | None = None,
    height: int = 440,
) -> alt.LayerChart:
    """The diagram. `nodes`: one row per stage × category with `stage`, `code`, `trainees` and
    `trainees_shown` (the count to show, « < 5 » / « masqué » when masked). `stages`: stage
    column → title (in order). `colour_stage`: the stage whose category colours the bands."""
    stage_cols = list(stages)
    bands, geometry = layout(paths, stage_cols, orders)
    shown = nodes.select("stage", "code", pl.col("trainees_shown").alias("shown"))
    geometry = geometry.join(shown, on=["stage", "code"], how="left").with_columns(
        pl.col("stage").replace_strict(stages).alias("stage_title"),
        ((pl.col("y0") + pl.col("y1")) / 2).alias("ym"),
        (pl.col("x") - NODE_HALF_WIDTH).alias("xa"),
        (pl.col("x") + NODE_HALF_WIDTH).alias("xb"),
        pl.concat_str(pl.col("label"), pl.lit(" ("), pl.col("shown"), pl.lit(")")).alias("text"),
    )
    colour_field = f"{colour_stage}_label"
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
    band_colour = colour(bands, colour_field, stages[colour_stage], palette)
    tooltip = [
        *(alt.Tooltip(f"{s}_label:N", title=title) for s, title in stages.items()),
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
    state_nodes = geometry
    if entry_stage is not None:
        state_nodes = geometry.filter(pl.col("stage") != entry_stage)
        layers.append(
            node_chart(geometry.filter(pl.col("stage") == entry_stage)).mark_rect(
                fill="white", stroke=ENTRY_OUTLINE, strokeWidth=1.5
            )
        )
    layers.append(
        node_chart(state_nodes)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(color=colour(state_nodes, "label", None, palette, legend=False))
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
        alt.layer(*layers)
        .properties(height=height)
        .configure(locale=LOCALE)
        .configure_view(stroke=None)
        .configure_legend(orient="bottom", titleFontSize=12, labelFontSize=12)
    )
