"""The pages' Altair charts drawn without a browser: the same chart objects the builders of
`parcours.presentation` return, rendered to SVG by vl-convert (Vega in an embedded engine).

Only what a printed page needs is changed:
- a fixed width (a browser gives the container's);
- the font (DejaVu Sans, installed with the system: typst draws the SVG's text with it too);
- no room added for the legend: on the dashboard a chart's height includes its legend
  (`charts._finish` adds it), on paper the legend sits below the plot as it is;
- at most about six ticks on a quantitative x axis (labels like « 12,0 % » would touch);
- the title of a category (nominal) y axis sits above the labels instead of beside them: Vega
  places a rotated title by the labels' estimated width, too short for long French labels
  (« Enseignement de promotion sociale »), which it then overlaps — in the browser too.
The French locale comes with the chart (`charts.LOCALE`).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import vl_convert as vlc

LEGEND_ROOM = 90  # what `charts._finish` adds to the height of a chart with a legend
WIDTH = 620  # px; the PDF shows it at the text width (17 cm), labels come out at about 9 pt
FONT = "DejaVu Sans"
_lock = threading.Lock()  # vl-convert's engine is shared by the process
# One engine, one worker: charts are drawn in the background while the report's next queries
# run (the engine does not draw two charts at once, DuckDB does not need it for its queries).
_drawer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vl-convert")


def spec(chart: Any, width: int = WIDTH) -> dict:
    """The chart's Vega-Lite specification, validated against the schema, sized for paper."""
    out = chart.to_dict()
    if "width" not in out and not any(k in out for k in ("hconcat", "vconcat", "concat")):
        out["width"] = width
    config = out.setdefault("config", {})
    config["font"] = FONT
    config.setdefault("view", {})["stroke"] = None
    encodings = [out.get("encoding", {})] + [
        layer.get("encoding", {}) for layer in out.get("layer", [])
    ]
    legend = any(
        "field" in e.get("color", {}) and (e["color"].get("legend") or {}).get("orient") != "right"
        for e in encodings
    )
    if legend and isinstance(out.get("height"), int) and out["height"] > 2 * LEGEND_ROOM:
        out["height"] -= LEGEND_ROOM
    for encoding in encodings:
        x = encoding.get("x")
        if x and x.get("type") == "quantitative" and x.get("axis", {}) is not None:
            # Vega measures tick labels narrower than DejaVu Sans draws them (« 12,0 % »):
            # fewer ticks, so they never touch.
            x.setdefault("axis", {}).setdefault("tickCount", 6)
        y = encoding.get("y")
        if y and y.get("type") == "nominal" and y.get("axis", {}) is not None and y.get("title"):
            y.setdefault("axis", {}).update(
                titleAngle=0, titleAlign="right", titleBaseline="bottom", titleX=-8, titleY=-6
            )
    return out


def svg(chart: Any, width: int = WIDTH) -> str:
    """The chart as a standalone SVG document."""
    with _lock:
        return vlc.vegalite_to_svg(spec(chart, width))


def submit(chart: Any, width: int = WIDTH) -> Future[str]:
    """`svg(chart)` in the background; `.result()` gives the SVG (or raises its error)."""
    return _drawer.submit(svg, chart, width)
