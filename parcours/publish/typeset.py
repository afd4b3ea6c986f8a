"""The report as a PDF, typeset by typst (its Python binding): `report.typ` lays out the report's
content, handed over as JSON with one SVG file per chart, all in memory.

Every text arrives as a JSON string, which typst shows as text, never reads as markup: a centre's
or a partner's name cannot change the layout.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typst

from parcours.publish.content import Report

TEMPLATE = Path(__file__).with_name("report.typ")


def files(report: Report) -> dict[str, bytes]:
    """The typst project: the template, the content and the charts."""
    data = report.to_dict()
    charts: dict[str, bytes] = {}

    def take(figure: dict) -> None:
        if figure.get("svg"):
            path = f"charts/{figure['key']}.svg"
            charts[path] = figure["svg"].encode("utf-8")
            figure["svg"] = path

    take(data["destinations"])
    for section in data["sections"]:
        for figure in section["figures"]:
            take(figure)
    return {
        "main.typ": TEMPLATE.read_bytes(),
        "report.json": json.dumps(data, ensure_ascii=False).encode("utf-8"),
        **charts,
    }


def pdf(report: Report) -> bytes:
    return typst.compile(
        files(report), format="pdf", timestamp=datetime.now(UTC).replace(microsecond=0)
    )
